#!/usr/bin/env bash
# Drain throughput with 1, 2 and 3 replicator processes × a change topic of 1, 3 and 6 partitions: for each
# count, a new native stack (`down --purge`, then `up --partitions P`), then bench/replicator-drain.ts.
# Deletes the stack's data in the state dir it runs in (CQRSCTL_HOME): use a home of its own.
#   CQRSCTL_HOME=/tmp/drain-bench bash bench/drain-partitions.sh [runs per count, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
for p in 1 3 6; do
  bin/cqrsctl down --purge >/dev/null
  bin/cqrsctl up --detach --runtime native --partitions "$p" >/dev/null
  node --import tsx bench/replicator-drain.ts --systems replicator --replicators 1,2,3 --runs "$((runs * 3))"
done
bin/cqrsctl down --purge >/dev/null
