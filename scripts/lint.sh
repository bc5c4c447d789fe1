#!/usr/bin/env bash
# Style checks: clang-format on every C++ file (fast, also run by scripts/test.sh), and with
# --tidy, clang-tidy over the compile database of BUILD_DIR (slow: minutes on 2 cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t sources < <(git ls-files '*.cpp' '*.h')
clang-format --dry-run --Werror "${sources[@]}"
echo "lint: clang-format clean (${#sources[@]} files)"
if [ "${1:-}" = "--tidy" ]; then
  build_dir="${BUILD_DIR:-build}"
  [ -f "$build_dir/compile_commands.json" ] || { echo "lint: run scripts/build.sh first" >&2; exit 2; }
  mapfile -t units < <(git ls-files 'parsers/*.cpp' 'rules/*.cpp' 'exporter/*.cpp')
  clang-tidy -p "$build_dir" --quiet "${units[@]}"
  echo "lint: clang-tidy clean (${#units[@]} files)"
fi
