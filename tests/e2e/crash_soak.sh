#!/usr/bin/env bash
# The crash tests, longer: many more SIGKILLs, several seeds. Needs a build with tests
# (bash tests/run.sh builds one).
#   CrashRecovery  (tests/e2e/db/crash_recovery_test.cpp): kills while a paper bot trades
#   FirstStartCrash (tests/e2e/db/first_start_crash_test.cpp): kills in the first seconds of fresh
#                   state folders (initdb, cluster start, migrations, registration, first orders)
# Usage: bash tests/e2e/crash_soak.sh [KILLS_PER_SEED] [SEEDS...]
#   default: 300 kills for each of the seeds 1 2 3, for each test
#   SMOOPS_SOAK_TESTS="FirstStartCrash" runs only the tests named (space-separated)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${SMOOPS_BUILD_DIR:-$root/build}"
kills="${1:-300}"
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
read -r -a tests <<<"${SMOOPS_SOAK_TESTS:-CrashRecovery FirstStartCrash}"

cd "$build"
failed=0
for test in "${tests[@]}"; do
  for seed in "${seeds[@]}"; do
    echo "== $test, seed $seed: $kills kills"
    log="$build/crash-soak-$test-$seed.log"
    started=$SECONDS
    if SMOOPS_CRASH_KILLS="$kills" SMOOPS_CRASH_SEED="$seed" \
        SMOOPS_FIRST_START_KILLS="$kills" SMOOPS_FIRST_START_SEED="$seed" \
        ctest -R "postgres\.|^$test\." --output-on-failure -V --timeout 7200 >"$log" 2>&1; then
      grep -E '\[ (crash|first-start) \]' "$log" || true
      echo "passed in $((SECONDS - started)) s"
    else
      failed=1
      grep -E '\[ (crash|first-start) \]|Failure|Which is|Expected|exited on its own' "$log" | head -n 40 || true
      echo "$test seed $seed FAILED; full output in $log"
    fi
  done
done
exit "$failed"
