#!/usr/bin/env bash
# The demo: installs what smoops needs, builds it, makes a synthetic market data file, validates
# the demo bot and backtests it through the real plugins (JSON report), trains a Transformer model
# on the file (`smoops train`: report against baselines and backtests on held-out bars), stores a
# backtest in smoops's private PostgreSQL cluster, then runs smoopsd with three paper bots (two
# sma_cross, one ml_signal with the new model) replaying that file at high speed (journaled in the
# store), shows `smoops status` and a few seconds of `smoops watch` (orders, fills, signals),
# pauses and resumes a bot, stops the daemon with SIGTERM, restarts it (the bots recover their
# books from the store) and lists the stored runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash .ci/install-deps.sh

build_dir="${SMOOPS_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" --target smoops smoopsd smoops_sma_cross smoops_sim \
  smoops_ml_signal smoops_transformer

smoops="$build_dir/bin/smoops"
demo_dir="$build_dir/demo"
mkdir -p "$demo_dir/data"
cp config/btc-sma.yaml config/btc-ml.yaml "$demo_dir/"
# The demo trains for 3 epochs instead of the example's 20, to stay short.
sed -e 's/epochs: 20 /epochs: 3  /' config/models/btc-transformer.yaml > "$demo_dir/btc-transformer.yaml"
rm -rf "$demo_dir/bots.d" && cp -r config/bots.d "$demo_dir/bots.d"
# The demo daemon listens on ipc:// sockets in the demo folder, so it cannot clash with a daemon
# already running on the default ports.
sed -e "s|tcp://127.0.0.1:7600|ipc://$PWD/$demo_dir/publish.sock|" \
    -e "s|tcp://127.0.0.1:7601|ipc://$PWD/$demo_dir/snapshot.sock|" \
    -e "s|tcp://127.0.0.1:7602|ipc://$PWD/$demo_dir/control.sock|" config/smoopsd.yaml > "$demo_dir/smoopsd.yaml"
# The store: a private PostgreSQL cluster in a fresh folder (PostgreSQL runs as the `postgres`
# user when the demo runs as root, so the folder must be reachable by it: /tmp is).
state="$(mktemp -d /tmp/smoops-demo.XXXXXX)"
chmod 755 "$state"
echo "store: {state_dir: $state}" >> "$demo_dir/smoopsd.yaml"
store=(--state-dir "$state")

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

echo
echo "== smoops train: a Transformer on the demo data, reported against baselines on held-out bars"
rm -rf "$demo_dir/models/btc-transformer"
"$smoops" train --config "$demo_dir/btc-transformer.yaml" --data "$demo_dir/data/btc_usdt_5m.csv" \
  --out "$demo_dir/models/btc-transformer"
# (No backtest of btc-ml.yaml over the whole file here: the model has seen most of it, so that
# result would flatter it. The report above backtests the held-out test period only.)
# A third paper bot for the daemon: ml_signal with the model, publishing its decisions.
sed -e 's/^name: btc-ml$/name: btc-ml-paper/' -e 's/^mode: backtest$/mode: paper/' \
    -e 's|path: models/btc-transformer|path: ../models/btc-transformer|' \
    -e 's|data: {csv: data/btc_usdt_5m.csv}|data: {csv: ../data/btc_usdt_5m.csv, speed: 30000}|' \
    "$demo_dir/btc-ml.yaml" > "$demo_dir/bots.d/btc-ml-paper.yaml"

echo
echo "== the store: smoops's private PostgreSQL cluster in $state"
"$smoops" db start "${store[@]}"
"$smoops" db migrate "${store[@]}"
"$smoops" db status "${store[@]}"
echo
echo "== backtest --store, then runs show"
"$smoops" backtest --config "$demo_dir/btc-sma.yaml" --store "${store[@]}" | tail -n 3
run_id="$("$smoops" runs list --kind backtest --limit 1 --json "${store[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
"$smoops" runs show "$run_id" --trades 3 "${store[@]}"

echo
echo "== smoopsd: three paper bots replaying the file at 30000x real time, journaled in the store"
"$build_dir/bin/smoopsd" --config "$demo_dir/smoopsd.yaml" 2>"$demo_dir/smoopsd.log" &
daemon_pid=$!
trap 'kill -TERM $daemon_pid 2>/dev/null || true; "$smoops" db stop "${store[@]}" >/dev/null 2>&1 || true' EXIT
endpoints=(--daemon-config "$demo_dir/smoopsd.yaml")
for _ in $(seq 50); do
  "$smoops" status "${endpoints[@]}" --timeout-ms 200 >/dev/null 2>&1 && break
  sleep 0.1
done
"$smoops" status "${endpoints[@]}"
echo
echo "== smoops watch (3 seconds)"
"$smoops" watch "${endpoints[@]}" --duration-s 3 | grep -v -e " equity " -e " log info signal " | tail -n 20
echo
echo "== smoops pause btc-paper, then resume"
"$smoops" pause btc-paper "${endpoints[@]}"
"$smoops" bots "${endpoints[@]}"
"$smoops" resume btc-paper "${endpoints[@]}"
echo
echo "== SIGTERM"
kill -TERM "$daemon_pid"
wait "$daemon_pid" && status=0 || status=$?
echo "smoopsd exited with status $status; its log: $demo_dir/smoopsd.log"
tail -n 4 "$demo_dir/smoopsd.log"

echo
echo "== smoopsd again: each bot takes its books back from the store and goes on where it stopped"
"$build_dir/bin/smoopsd" --config "$demo_dir/smoopsd.yaml" 2>"$demo_dir/smoopsd-restart.log" &
daemon_pid=$!
for _ in $(seq 50); do
  "$smoops" status "${endpoints[@]}" --timeout-ms 200 >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 1
grep -E "recovered from the store|reconciled with the exchange|resuming the data" "$demo_dir/smoopsd-restart.log" | cut -c1-220
kill -TERM "$daemon_pid"
wait "$daemon_pid" && status=0 || status=$?
echo "smoopsd exited with status $status"

echo
echo "== smoops runs list: the backtest and the bots' paper sessions"
"$smoops" runs list "${store[@]}"
"$smoops" db stop "${store[@]}"
trap - EXIT
rm -rf "$state"
