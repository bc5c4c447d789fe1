#!/usr/bin/env bash
# Fresh machine to full test run: installs what is missing, checks formatting, builds with
# warnings as errors, runs clang-tidy on the library, runs the whole suite with ctest, then again
# under AddressSanitizer+UndefinedBehaviorSanitizer, then the fuzzers for a bounded time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --with-e2e
jobs="$(nproc)"

echo "== clang-format"
bash scripts/lint.sh

echo "== build (g++, -Werror)"
# -O2 without -g: what users build (scripts/build.sh: RelWithDebInfo), minus debug info.
BUILD_DIR=build BUILD_TYPE=Release bash scripts/build.sh -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DINFERWATCH_WERROR=ON
echo "== clang-tidy"
BUILD_DIR=build bash scripts/lint.sh --tidy
echo "== ctest"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== build (clang, ASan+UBSan, fuzzers)"
# -O1 -g1: sanitizer builds need line numbers, not full debug info; keeps CI's 2 cores quick.
CC=clang CXX=clang++ BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo bash scripts/build.sh \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DINFERWATCH_WERROR=ON -DINFERWATCH_SANITIZE=ON -DINFERWATCH_FUZZ=ON -DINFERWATCH_BENCH=OFF
echo "== ctest (sanitizers)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -LE e2e)

echo "== fuzz (${FUZZ_SECONDS:-60}s per target)"
bash scripts/fuzz.sh build-asan "${FUZZ_SECONDS:-60}"
