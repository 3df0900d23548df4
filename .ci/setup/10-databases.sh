#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1:5432 (user postgres, trust authentication) and MariaDB on 127.0.0.1:3306 (root, empty
# password), each with a database named test, for the JDBC store's integration tests (invoice-jdbc-tests, *IT).
# Idempotent: does nothing when both answer; starts a server that is installed but stopped; installs a missing one
# from Debian's packages and opens it to local connections the way the tests connect.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # port, name
  for _ in $(seq 1 60); do
    if answers "$1"; then return 0; fi
    sleep 1
  done
  echo "$2 did not start answering on 127.0.0.1:$1 within 60 s" >&2
  return 1
}

apt_install() {
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- PostgreSQL -------------------------------------------------------------------------------------------------
if ! answers 5432; then
  if ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages"
    apt_install postgresql
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    # The tests connect over TCP as postgres without a password.
    sed -i '1i host all all 127.0.0.1/32 trust' "/etc/postgresql/${version}/main/pg_hba.conf"
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "Starting PostgreSQL ${version}"
  pg_ctlcluster --skip-systemctl-redirect "${version}" main start || true
  wait_for 5432 PostgreSQL
fi
if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != "1" ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
fi
echo "PostgreSQL answers on 127.0.0.1:5432 with database test"

# --- MariaDB ----------------------------------------------------------------------------------------------------
if ! answers 3306; then
  if [ ! -x /usr/sbin/mariadbd ]; then
    echo "Installing MariaDB from Debian's packages"
    apt_install mariadb-server
    fresh_mariadb=1
  fi
  mkdir -p /run/mysqld
  chown mysql:mysql /run/mysqld
  echo "Starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for 3306 MariaDB
  if [ -n "${fresh_mariadb:-}" ]; then
    # A new Debian install lets root in by its Unix socket only; the tests connect over TCP with no password.
    mariadb -u root -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');"
  fi
fi
mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS test"
echo "MariaDB answers on 127.0.0.1:3306 with database test"
