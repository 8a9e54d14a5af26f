#!/usr/bin/env bash
# The store's benchmark (docs/benchmarks.md, "Store"): starts a private PostgreSQL server with
# tests/support/pg_fixture.sh in a temporary folder, runs smoops_bench_store against it, and
# stops the server (also on failure or Ctrl-C).
#
# The server is the test suite's: PostgreSQL 15 defaults but for a Unix socket only, and fsync=on
# (the default) with synchronous_commit=on (the default): a COMMIT returns once its WAL is
# flushed to disk (fdatasync), so the write-ahead latency includes a real durable commit. The
# temporary folder must be on a real disk (not tmpfs, where fsync costs nothing); set TMPDIR.
# As root the server runs as the `postgres` user, so the folder is made traversable by it.
#
#   bench/store.sh [--build DIR] [--out FILE] [-- ARGS for smoops_bench_store]
#   (DIR defaults to build/; e.g. `bench/store.sh -- --orders 200000 --producers 4`)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="$root/build"
out=bench-store.json
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
bench="$build/bench/smoops_bench_store"
[[ -x "$bench" ]] || { echo "no $bench (cmake --build $build --target smoops_bench_store, or use --build DIR)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/smoops-bench-store.XXXXXX")"
chmod 755 "$work"  # the server's folder below must be reachable by `postgres` when run as root
if [[ "$(stat -f -c %T "$work")" == tmpfs ]]; then
  echo "warning: $work is on tmpfs: fsync costs nothing there, so the write-ahead latency is not a durable commit's" >&2
fi
server="$work/pg"
cleanup() {
  "$root/tests/support/pg_fixture.sh" stop "$server" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # through the EXIT trap: the server is stopped

"$root/tests/support/pg_fixture.sh" start "$server" >&2
"$bench" --dsn "$(cat "$server/dsn")" --out "$out" "${extra[@]}"
