#!/usr/bin/env bash
# The PostgreSQL server of the test suite: a private cluster in a folder of the build tree,
# listening only on a Unix socket in that folder. PostgreSQL refuses to run as root, so as root
# the cluster belongs to the `postgres` user. The superuser `smoops` connects without a password;
# any other role needs its password (scram-sha-256).
#   pg_fixture.sh start DIR   initdb (first time) and start; writes DIR/dsn (a libpq DSN)
#   pg_fixture.sh stop DIR    stop the server and delete DIR
set -euo pipefail
action="${1:?usage: pg_fixture.sh start|stop DIR}"
dir="${2:?usage: pg_fixture.sh start|stop DIR}"
bindir="${SMOOPS_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[ -x "$bindir/initdb" ] || { echo "pg_fixture: initdb not found (install postgresql-15)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U smoops --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # The superuser `smoops` needs no password; every other role must give one, so that tests
    # can create a role with a password and check what a wrong one does.
    printf '%s\n' \
      '# TYPE  DATABASE  USER    METHOD' \
      'local   all       smoops  trust' \
      'local   all       all     scram-sha-256' >"$dir/data/pg_hba.conf"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=on -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "host=$dir port=5432 user=smoops dbname=postgres" >"$dir/dsn"
    echo "pg_fixture: PostgreSQL running in $dir ($(cat "$dir/dsn"))"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" stop -m fast -w >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: pg_fixture.sh start|stop DIR" >&2; exit 2 ;;
esac
