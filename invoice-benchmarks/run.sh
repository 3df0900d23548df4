#!/usr/bin/env bash
# Reproduces docs/BENCHMARKS.md: builds the benchmarks through the reactor (nothing is installed), then runs every
# benchmark with the forks, warm-ups and iterations set on each class (20-26 minutes on 2 cores), pgbench
# included. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and pgbench: .ci/setup/10-databases.sh and
# .ci/setup/40-pgbench.sh provide both. It creates and empties the databases coinssend_bench and coinssend_pgbench.
#
# Writes, under invoice-benchmarks/target/: jmh-result.json (every figure with its error), jmh-output.txt (JMH's
# log), machine.txt (CPU, cores, JDK, PostgreSQL) and summary.md (figures beside peers and targets).
# Extra arguments go to JMH, e.g. `bash invoice-benchmarks/run.sh BlockMatch` runs one class.
set -euo pipefail
cd "$(dirname "$0")/.."
out=invoice-benchmarks/target

mvn -q -B -pl invoice-benchmarks -am -P jmh-jar package -DskipTests

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "jdk: $(java -version 2>&1 | head -n 1)"
  echo "postgresql: $(psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SHOW server_version' 2>/dev/null || echo unknown)"
  echo "pgbench: $(pgbench --version 2>/dev/null || echo missing)"
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
cat "$out/machine.txt"

java -jar "$out/benchmarks.jar" -rf json -rff "$out/jmh-result.json" "$@" | tee "$out/jmh-output.txt"

echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
java -cp "$out/benchmarks.jar" io.coinssend.invoice.benchmarks.internal.Summary "$out/jmh-result.json" \
  | tee "$out/summary.md"
