#!/usr/bin/env bash
# Every test, on a fresh machine: installs what is missing, then type-checks, runs the unit tests, the
# integration tests against the real native stack, and the docker runtime's tests on a real engine
# (installed and started here when absent) with images built offline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
export CQRSCTL_HOME=${CQRSCTL_HOME:-$PWD/.cqrsctl-test}
export CQRSCTL_RUNTIME=native

npx tsc --noEmit
npm run --silent format:check
# The tests run bin/cqrsctl, which runs dist/ when it is current (else the sources through tsx): build it.
npm run --silent build
# Unused files, exports and dependencies (knip.json names the entry points: the CLI, bench/, the tests).
npm run --silent unused
bin/cqrsctl setup

run() { node --import tsx --test --test-concurrency=1 "$@"; }
status=0
run test/unit/*.test.ts || status=1
# Files that bring up a stack of their own (own state dir, own ports below the ephemeral range) run after the
# shared stack is down: their faults run under 300 writes/s, which a writer sharing two cores with another
# stack and its tests does not reach.
own='/(cluster|partitions|replicas|replicators|external-runtime)\.test\.ts$'
# The native stack's tests share one stack; foundation goes first because it cycles it down and up.
run test/integration/foundation.test.ts test/integration/cli-errors.test.ts \
  $(ls test/integration/*.test.ts | grep -v -e foundation -e cli-errors -e '/docker-' | grep -vE "$own") || status=1
bin/cqrsctl down || status=1
run $(ls test/integration/*.test.ts | grep -E "$own") || status=1

# The docker runtime publishes the same ports, so it runs once the native stack is down.
export CQRSCTL_RUNTIME=auto
bash scripts/docker-engine.sh
bin/cqrsctl images build
run test/integration/docker-*.test.ts || status=1
exit $status
