#!/usr/bin/env bash
# CPU and RSS of an idle smoopsd running 50 paper bots (docs/benchmarks.md, "Daemon and bus").
#
# Generates a daemon config and N bot files in a temporary folder (paper mode, sma_cross + sim,
# data.speed 1 on a daily file: one bar per day of wall time, so the bots are idle after their
# first bar), ipc:// endpoints in that folder; starts smoopsd, waits until `smoops status`
# answers, lets it settle, then samples the process's CPU time (utime+stime from /proc/PID/stat,
# and the sum of its threads' schedstat run time, in ns) over a window, plus VmRSS and the
# threads' context switches. Stops it with SIGTERM and checks that it exits 0. Writes JSON.
#
#   bench/daemon_idle.sh [--build DIR] [--bots N] [--seconds S] [--settle S] [--csv FILE] [--out FILE]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build=""
bots=50
seconds=10
settle=3
csv=/work/shared/data/bt_orcl_1d.csv
out=bench-daemon-idle.json
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --bots) bots="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) sed -n '2,11p' "$0" >&2; exit 2 ;;
  esac
done
if [[ -z "$build" ]]; then
  for candidate in "$root/build-bench" "$root/build"; do
    if [[ -x "$candidate/bin/smoopsd" ]]; then build="$candidate"; break; fi
  done
fi
[[ -x "$build/bin/smoopsd" && -x "$build/bin/smoops" ]] || { echo "no smoopsd/smoops in '$build/bin' (use --build DIR)" >&2; exit 2; }
[[ -r "$csv" ]] || { echo "cannot read $csv" >&2; exit 2; }
csv="$(realpath "$csv")"

work="$(mktemp -d "${TMPDIR:-/tmp}/smoops-bench-idle.XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/bots.d"
cat > "$work/smoopsd.yaml" <<EOF
plugin_dirs: [$build/plugins]
bots_dir: bots.d
log: {level: info, file: $work/smoopsd.log}
bus:
  publish: ipc://$work/pub
  snapshot: ipc://$work/snap
  control: ipc://$work/ctl
shutdown: {open_orders: cancel}
store: {enabled: false}   # the bus and the bots' loops only; the store's idle cost is not measured here
EOF
for ((i = 1; i <= bots; ++i)); do
  name=$(printf 'idle-%02d' "$i")
  cat > "$work/bots.d/$name.yaml" <<EOF
name: $name
mode: paper
instrument: {symbol: ORCL/USD, tick_size: 0.000001, lot_size: 1, min_notional: 1}
strategy: {plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 10}}
exchange: {plugin: sim, params: {fee_rate: 0.001}}
data: {csv: $csv, speed: 1}
EOF
done

"$build/bin/smoopsd" --config "$work/smoopsd.yaml" > "$work/stdout.log" 2> "$work/stderr.log" &
pid=$!
started=$(date +%s.%N)
ready=""
for ((try = 0; try < 300; ++try)); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "smoopsd exited during start-up:" >&2; cat "$work/stderr.log" "$work/smoopsd.log" >&2 2>/dev/null || true; exit 1
  fi
  if "$build/bin/smoops" status --daemon-config "$work/smoopsd.yaml" > "$work/status.json" 2>/dev/null; then
    ready=$(date +%s.%N); break
  fi
  sleep 0.1
done
[[ -n "$ready" ]] || { echo "smoops status got no answer within 30 s" >&2; exit 1; }
sleep "$settle"

tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }  # utime + stime (the process, all threads)
run_ns() { cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
switches() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s}'; }
t0=$(date +%s.%N); c0=$(cpu_ticks); n0=$(run_ns); s0=$(switches)
sleep "$seconds"
t1=$(date +%s.%N); c1=$(cpu_ticks); n1=$(run_ns); s1=$(switches)
rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
"$build/bin/smoops" status --json --daemon-config "$work/smoopsd.yaml" > "$work/status.json"

kill -TERM "$pid"
term_at=$(date +%s.%N)
set +e
wait "$pid"
exit_code=$?
set -e
stopped=$(date +%s.%N)
pid=""

python3 - "$out" <<EOF
import json, sys
window = $t1 - $t0
r = {
  "benchmark": "idle smoopsd: $bots paper bots (sma_cross + sim, data.speed 1 on a daily file), ipc:// endpoints",
  "hardware_threads": $(nproc),
  "bots": $bots,
  "data": "$csv",
  "startup_to_status_s": round($ready - $started, 3),
  "settle_s": $settle,
  "window_s": round(window, 3),
  "cpu_percent_of_one_core_ticks": round(100.0 * ($c1 - $c0) / $tck / window, 3),
  "cpu_percent_of_one_core_schedstat": round(100.0 * ($n1 - $n0) / 1e9 / window, 3),
  "context_switches_per_s": round(($s1 - $s0) / window, 1),
  "rss_mib": round($rss_kib / 1024.0, 1),
  "peak_rss_mib": round($hwm_kib / 1024.0, 1),
  "threads": $threads,
}
status = json.load(open("$work/status.json"))
states = {}
for bot in status.get("bots", []):
  states[bot.get("state")] = states.get(bot.get("state"), 0) + 1
r.update({
  "bot_states": states,
  "bars_processed_total": sum(bot.get("bars", 0) for bot in status.get("bots", [])),
  "published": status.get("daemon", {}).get("published"),
  "dropped": status.get("daemon", {}).get("dropped"),
  "sigterm_to_exit_s": round($stopped - $term_at, 3),
  "exit_code": $exit_code,
})
open(sys.argv[1], "w").write(json.dumps(r, indent=2) + "\n")
print(json.dumps(r, indent=2))
EOF
[[ $exit_code -eq 0 ]] || { echo "smoopsd exited with $exit_code" >&2; tail -20 "$work/smoopsd.log" "$work/stderr.log" >&2 || true; exit 1; }
