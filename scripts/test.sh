#!/usr/bin/env bash
# Every test, on a fresh machine: installs what is missing, then type-checks, runs the unit tests and the
# integration tests against the real native stack.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
export CQRSCTL_HOME=${CQRSCTL_HOME:-$PWD/.cqrsctl-test}
export CQRSCTL_RUNTIME=native

npx tsc --noEmit
bin/cqrsctl setup

run() { node --import tsx --test --test-concurrency=1 "$@"; }
status=0
run test/unit/*.test.ts || status=1
# The native stack's tests share one stack; foundation goes first because it cycles it down and up.
run test/integration/foundation.test.ts test/integration/cli-errors.test.ts \
  $(ls test/integration/*.test.ts | grep -v -e foundation -e cli-errors -e '/docker-') || status=1
bin/cqrsctl down || status=1
exit $status
