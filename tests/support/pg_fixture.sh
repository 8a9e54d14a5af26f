#!/usr/bin/env bash
# The PostgreSQL server of the test suite: a private cluster in a folder of the build tree,
# listening only on a Unix socket in that folder. PostgreSQL refuses to run as root, so as root
# the cluster belongs to the `postgres` user. The superuser `smoops` connects without a password;
# any other role needs its password (scram-sha-256).
# As root, when the `postgres` user cannot reach DIR (a checkout under /root, say), the cluster
# lives in a fresh folder under /tmp instead, named in DIR/cluster.
#   pg_fixture.sh start DIR   initdb and start; writes DIR/dsn (a libpq DSN)
#   pg_fixture.sh stop DIR    stop the server and delete DIR (and the /tmp folder)
set -euo pipefail
action="${1:?usage: pg_fixture.sh start|stop DIR}"
dir="${2:?usage: pg_fixture.sh start|stop DIR}"
bindir="${SMOOPS_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[ -x "$bindir/initdb" ] || { echo "pg_fixture: initdb not found (install postgresql-15)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Where the cluster of DIR lives: DIR itself, or the folder DIR/cluster names.
cluster_of() {
  if [ -f "$1/cluster" ]; then cat "$1/cluster"; else echo "$1"; fi
}

stop_cluster() {
  local root
  root="$(cluster_of "$1")"
  if [ -f "$root/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$root/data" stop -m fast -w >/dev/null 2>&1 || true
  fi
  [ "$root" != "$1" ] && rm -rf "$root"
  rm -rf "$1"
}

case "$action" in
  start)
    [ -d "$dir" ] && stop_cluster "$dir"
    mkdir -p "$dir"
    chmod 755 "$dir"
    root="$dir"
    if [ "$(id -u)" -eq 0 ]; then
      if ! runuser -u postgres -- test -x "$dir"; then
        root="$(mktemp -d /tmp/smoops-test-pg.XXXXXX)"
        chmod 755 "$root"
        echo "$root" >"$dir/cluster"
        echo "pg_fixture: the postgres user cannot reach $dir; the cluster lives in $root"
      fi
      chown postgres: "$root"
    fi
    as_owner "$bindir/initdb" -D "$root/data" -U smoops --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # The superuser `smoops` needs no password; every other role must give one, so that tests
    # can create a role with a password and check what a wrong one does.
    printf '%s\n' \
      '# TYPE  DATABASE  USER    METHOD' \
      'local   all       smoops  trust' \
      'local   all       all     scram-sha-256' | as_owner tee "$root/data/pg_hba.conf" >/dev/null
    as_owner "$bindir/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$root' -c fsync=on -c max_connections=200" start >/dev/null \
      || { cat "$root/server.log" >&2; exit 1; }
    echo "host=$root port=5432 user=smoops dbname=postgres" >"$dir/dsn"
    echo "pg_fixture: PostgreSQL running in $root ($(cat "$dir/dsn"))"
    ;;
  stop)
    stop_cluster "$dir"
    ;;
  *) echo "usage: pg_fixture.sh start|stop DIR" >&2; exit 2 ;;
esac
