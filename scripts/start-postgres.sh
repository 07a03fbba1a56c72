#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the runtime evidence (DBC004 and DBC006 fail
# only against a real server), installing Debian's package first when it is missing. Prints the
# connection string to export as DBC_POSTGRES. Safe to run again: a running server is reused.
set -euo pipefail

port="${DBC_POSTGRES_PORT:-55432}"
root="${DBC_POSTGRES_DIR:-/tmp/dbc-postgres}"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql (Debian package)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  rm -rf "$root"
  mkdir -p "$root"
  [ "$(id -u)" = 0 ] && chown postgres "$root"
  as_postgres "'$bin/initdb' -D '$root/data' -A trust -U postgres >'$root/initdb.log' 2>&1"
  as_postgres "'$bin/pg_ctl' -D '$root/data' -l '$root/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$root' -c max_connections=200\" start >&2"
fi

echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"
