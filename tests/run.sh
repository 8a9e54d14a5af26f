#!/usr/bin/env bash
# Builds smoops with its tests and runs every test (unit, integration, e2e) through CTest.
# Usage: bash tests/run.sh            regular build in build/
#        SMOOPS_SANITIZE=1 bash tests/run.sh   ASan+UBSan build in build-asan/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash .ci/install-deps.sh

if [ "${SMOOPS_SANITIZE:-0}" = "1" ]; then
  build_dir="${SMOOPS_BUILD_DIR:-build-asan}"
  extra=(-DSMOOPS_SANITIZE=ON -DSMOOPS_BUILD_BENCH=OFF)
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  build_dir="${SMOOPS_BUILD_DIR:-build}"
  extra=()
fi
jobs="$(nproc 2>/dev/null || echo 2)"

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMOOPS_BUILD_TESTS=ON "${extra[@]}"
cmake --build "$build_dir" -j "$jobs"
cd "$build_dir"
ctest --output-on-failure -j "$jobs" --timeout 300
