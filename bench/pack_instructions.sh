#!/usr/bin/env bash
# Steady-state instructions per rule-evaluation round, the benchmark figure that the shared, noisy
# machines do not move: callgrind counts instructions inside RuleManager::EvaluateAll and the
# output writes (ShortTermStore::AppendUntracked) for a run of 6 rounds and one of 3, and the
# difference over 3 rounds leaves out set-up and the first rounds' one-off work.
#
# Usage: bench/pack_instructions.sh PACK_BENCH TARGETS [pack_bench options, paths absolute]
# e.g.   bench/pack_instructions.sh build-bench/bench/pack_bench 300 --rules "$PWD/bench/rules/bench-pack.yml"
set -euo pipefail
if [[ $# -lt 2 ]]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
binary=$(readlink -f "$1")
targets=$2
shift 2
command -v valgrind >/dev/null || { echo "pack_instructions: valgrind is not installed" >&2; exit 1; }

instructions() {
  local dir
  dir=$(mktemp -d)
  (cd "$dir" && valgrind --tool=callgrind \
    --toggle-collect='inferwatch::rules::manager::RuleManager::EvaluateAll*' \
    --toggle-collect='inferwatch::exporter::store::ShortTermStore::AppendUntracked*' \
    "$binary" "$@" >/dev/null 2>&1 &&
    callgrind_annotate callgrind.out.* 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  rm -rf "$dir"
}

three=$(instructions "$@" --rounds 3 "$targets")
six=$(instructions "$@" --rounds 6 "$targets")
echo "pack_instructions targets=$targets steady_instructions_per_round=$(((six - three) / 3)) first_3_rounds=$three"
