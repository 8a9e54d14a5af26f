#!/usr/bin/env bash
# The crash test of tests/e2e/db/crash_recovery_test.cpp, longer: many more SIGKILLs, several
# seeds. Needs a build with tests (bash tests/run.sh builds one).
# Usage: bash tests/e2e/crash_soak.sh [KILLS_PER_SEED] [SEEDS...]
#   default: 300 kills for each of the seeds 1 2 3
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${SMOOPS_BUILD_DIR:-$root/build}"
kills="${1:-300}"
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)

cd "$build"
failed=0
for seed in "${seeds[@]}"; do
  echo "== seed $seed: $kills kills"
  log="$build/crash-soak-$seed.log"
  if SMOOPS_CRASH_KILLS="$kills" SMOOPS_CRASH_SEED="$seed" \
      ctest -R 'postgres\.|CrashRecovery' --output-on-failure -V --timeout 3600 >"$log" 2>&1; then
    grep -E '\[ crash \]' "$log" || true
  else
    failed=1
    grep -E '\[ crash \]|Failure|Which is|Expected' "$log" | head -n 40 || true
    echo "seed $seed FAILED; full output in $log"
  fi
done
exit "$failed"
