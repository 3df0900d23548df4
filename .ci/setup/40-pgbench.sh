#!/usr/bin/env bash
# pgbench, the reference the engine's PostgreSQL throughput is measured against (invoice-benchmarks:
# PgbenchReference, BenchmarkSmokeIT). Debian ships it in the PostgreSQL server package, with the server that
# 10-databases.sh installs; this installs it where the server came from elsewhere. Idempotent: does nothing when
# pgbench runs.
set -euo pipefail
if pgbench --version >/dev/null 2>&1; then
  echo "$(pgbench --version)"
  exit 0
fi
echo "Installing pgbench (Debian's postgresql package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
pgbench --version
