#!/usr/bin/env bash
# The full demo on a fresh machine: install what is missing, bring the stack up, write demo traffic,
# prove the replicas equal the leader, and show the status. The stack stays up afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
bin/cqrsctl up --detach
bin/cqrsctl simulate --count 2000 --via api
bin/cqrsctl verify-replicas --wait
bin/cqrsctl status
echo
echo "The stack is still running. Try: bin/cqrsctl events tail, bin/cqrsctl logs replicator -f, bin/cqrsctl down"
