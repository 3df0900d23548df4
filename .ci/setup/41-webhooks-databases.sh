#!/usr/bin/env bash
# invoice-webhooks ITs (JdbcDeliveryStore, two dispatchers on one database) need PostgreSQL on 127.0.0.1:5432
# (database test, user postgres, trust auth) and MariaDB on 127.0.0.1:3306 (root, no password). Both come with the
# machine, from Debian's packages; this script only starts whichever has stopped and waits until both answer.
# Idempotent: does nothing when both are up. Each test creates (and drops) its own schema or database.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # port name
  for _ in $(seq 1 60); do
    if answers "$1"; then echo "$2 answers on 127.0.0.1:$1"; return 0; fi
    sleep 1
  done
  echo "$2 did not come up on 127.0.0.1:$1" >&2
  return 1
}

if ! answers 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  else
    echo "PostgreSQL is not installed (expected Debian's postgresql package)" >&2
  fi
fi
wait_for 5432 PostgreSQL
if command -v psql >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null \
    || psql -h 127.0.0.1 -U postgres -d postgres -c 'create database test'
fi

if ! answers 3306; then
  if [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  else
    echo "MariaDB is not installed (expected Debian's mariadb-server package)" >&2
  fi
fi
wait_for 3306 MariaDB
if command -v mariadb >/dev/null 2>&1; then
  mariadb -h 127.0.0.1 -u root -e 'create database if not exists test'
fi
