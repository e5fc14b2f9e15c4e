#!/usr/bin/env bash
# Throwaway PostgreSQL 15 servers for tests and benchmarks (DESIGN §6).
#
#   postgres.sh start DIR [-c name=value …]  initdb in DIR/data and start a server on a
#                                            free 127.0.0.1 port with wal_level=logical;
#                                            prints shell assignments to eval:
#                                            PGHOST PGPORT PGUSER PGDATABASE PG_PID PG_URI
#   postgres.sh stop DIR                     stop that server by its PID (immediate)
#   postgres.sh bin                          print the PostgreSQL bin directory
#
# As root, initdb and the server run as the user postgres (DIR is chowned to it);
# otherwise as the caller. Authentication is trust, on 127.0.0.1 and a socket in
# DIR only. wal2json is allowed as an output plugin when it is installed.
set -euo pipefail

pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return
    fi
  done
  command -v pg_ctl >/dev/null 2>&1 && dirname "$(command -v pg_ctl)" && return
  echo "postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir=$1
  shift
  local bin port plugins log attempt
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    chmod 700 "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -A trust --no-sync -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  # Some builds restrict logical decoding plugins to a list (NOTES.md): allow
  # wal2json there when it is installed; other builds have no such setting.
  plugins=
  if "$bin/postgres" --describe-config 2>/dev/null | grep -q '^output_plugin_libraries'; then
    plugins="-c output_plugin_libraries=pgoutput,test_decoding"
    if [ -e "$("$bin/pg_config" --pkglibdir 2>/dev/null)/wal2json.so" ]; then
      plugins="-c output_plugin_libraries=pgoutput,wal2json,test_decoding"
    fi
  fi
  log=$dir/server.log
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$log" -w -t 30 -o "-p $port -c listen_addresses=127.0.0.1 \
        -c unix_socket_directories=$dir -c wal_level=logical -c max_replication_slots=40 \
        -c max_wal_senders=40 -c max_connections=100 -c fsync=off -c full_page_writes=off \
        $plugins -c wal_sender_timeout=60s $*" start >"$dir/pg_ctl.log" 2>&1; then
      break
    fi
    if [ "$attempt" = 5 ]; then
      cat "$dir/pg_ctl.log" "$log" >&2
      return 1
    fi
  done
  local pid
  pid=$(head -n1 "$dir/data/postmaster.pid")
  echo "$port" >"$dir/port"
  cat <<OUT
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=postgres
PGDATABASE=postgres
PG_PID=$pid
PG_DIR=$dir
PG_URI=postgresql://postgres@127.0.0.1:$port
OUT
}

stop() {
  local dir=$1 pid i
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pid=$(head -n1 "$dir/data/postmaster.pid")
  # SIGQUIT is the immediate shutdown pg_ctl -m immediate sends; wait for the PID.
  kill -QUIT "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
start)
  shift
  start "$@"
  ;;
stop)
  stop "$2"
  ;;
bin)
  pg_bin
  ;;
*)
  echo "usage: postgres.sh start DIR [-c name=value …] | stop DIR | bin" >&2
  exit 2
  ;;
esac
