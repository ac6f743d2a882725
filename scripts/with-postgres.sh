#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster: initdb into a temporary
# folder, start the server on a free loopback port, export DATABASE_URL, run the
# command, then stop the server and remove the folder. As root, the server runs as
# an unprivileged user (postgres, or nobody), since PostgreSQL refuses to run as root.
set -euo pipefail

pg_bin=""
for dir in "${PG_BIN:-}" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then pg_bin=$dir; break; fi
done
if [ -z "$pg_bin" ]; then
  echo "with-postgres: no PostgreSQL server binaries (initdb) found; install postgresql-15." >&2
  exit 1
fi

workdir=$(mktemp -d /tmp/samenspel-pg.XXXXXX)
chmod 755 "$workdir"
run_as=()
if [ "$(id -u)" = "0" ]; then
  owner=postgres
  id "$owner" >/dev/null 2>&1 || owner=nobody
  chown "$owner" "$workdir"
  run_as=(runuser -u "$owner" --)
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

"${run_as[@]}" "$pg_bin/initdb" -D "$workdir/data" -U samenspel -A trust -E UTF8 --no-locale >"$workdir/initdb.log" 2>&1 \
  || { cat "$workdir/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -t 60 start \
  -o "-h 127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
  || { cat "$workdir/server.log" >&2; exit 1; }
"$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U samenspel samenspel_test

export DATABASE_URL="postgresql://samenspel@127.0.0.1:$port/samenspel_test"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
