#!/usr/bin/env bash
# The demo: installs what smoops needs, builds it, makes a synthetic market data file, validates
# the demo bot and backtests it through the real plugins, writing a JSON report.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash .ci/install-deps.sh

build_dir="${SMOOPS_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" --target smoops smoopsd smoops_sma_cross smoops_sim

smoops="$build_dir/bin/smoops"
demo_dir="$build_dir/demo"
mkdir -p "$demo_dir/data"
cp config/btc-sma.yaml "$demo_dir/btc-sma.yaml"

echo "== plugins"
"$smoops" plugins list
echo
echo "== demo data: 50,000 synthetic 5-minute bars"
"$smoops" data generate --out "$demo_dir/data/btc_usdt_5m.csv" --bars 50000 --seed 42 --start-price 20000
echo
echo "== config check"
"$smoops" config check "$demo_dir/btc-sma.yaml"
echo
echo "== backtest"
"$smoops" backtest --config "$demo_dir/btc-sma.yaml" --json "$demo_dir/report.json"
echo
echo "first trades of $demo_dir/report.json:"
python3 - "$demo_dir/report.json" <<'PY' 2>/dev/null || head -c 600 "$demo_dir/report.json"
import json, sys
from datetime import datetime, timezone
report = json.load(open(sys.argv[1]))
def when(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M")
for t in report["trades"][:5]:
    print(f'  {when(t["entry_ts"])} buy {t["qty"]} @ {t["entry_price"]} -> {when(t["exit_ts"])} sell @ {t["exit_price"]}'
          f'  pnl {t["pnl"]} (fees {t["fees"]})')
PY
