#!/usr/bin/env bash
# Style checks: clang-format on every C++ file, and with --tidy, clang-tidy on the library sources
# over the compile database of BUILD_DIR (about 2.5 minutes on 2 cores). scripts/test.sh runs both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t sources < <(git ls-files '*.cpp' '*.h')
clang-format --dry-run --Werror "${sources[@]}"
echo "lint: clang-format clean (${#sources[@]} files)"
if [ "${1:-}" = "--tidy" ]; then
  build_dir="${BUILD_DIR:-build}"
  [ -f "$build_dir/compile_commands.json" ] || { echo "lint: run scripts/build.sh first" >&2; exit 2; }
  mapfile -t units < <(git ls-files 'parsers/*.cpp' 'rules/*.cpp' 'exporter/*.cpp')
  # One file per clang-tidy process, as many at once as there are cores; any finding fails.
  printf '%s\n' "${units[@]}" |
    xargs -P "$(nproc)" -n 1 clang-tidy -p "$build_dir" --quiet 2> >(grep -v -e 'warnings generated' -e '^Suppressed' -e '^Use -header-filter' >&2)
  echo "lint: clang-tidy clean (${#units[@]} files)"
fi
