#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, seeded from fuzz/corpus/<target>.
# FUZZ_SEED (default 1) fixes libFuzzer's random seed so a CI run can be replayed; set it to 0 for
# a fresh seed each run when fuzzing for longer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${1:-build-asan}"
seconds="${2:-60}"
found=0
for fuzzer in "$build_dir"/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  found=1
  name="$(basename "$fuzzer")"
  work="$(mktemp -d)"
  seeds="fuzz/corpus/${name#fuzz_}"
  echo "fuzz: $name for ${seconds}s"
  "$fuzzer" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
    "$work" ${seeds:+$( [ -d "$seeds" ] && echo "$seeds")} 2>&1 | tail -n 12
  rm -rf "$work"
done
[ "$found" -eq 1 ] || { echo "fuzz: no fuzz targets in $build_dir/fuzz" >&2; exit 1; }
