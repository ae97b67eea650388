#!/usr/bin/env bash
# Installs what cqrsctl and its tests need on a fresh Debian machine: system packages (as root) and npm
# dependencies. Quick when everything is there. Sourced by demo.sh and test.sh.
set -euo pipefail

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v runuser >/dev/null || need+=(util-linux)
# The dashboard's browser test drives Debian's Chromium through playwright-core (no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The security tests make their CA and certificates with it.
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "cqrsctl needs: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 2
  fi
  echo "Installing ${need[*]} from Debian packages"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# Debian's postgresql package creates and may start a "main" cluster on 5432, the leader's port.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 && $4 == "online"' | grep -q .; then
  echo "Stopping Debian's default PostgreSQL cluster on port 5432 (the leader's port)"
  pg_ctlcluster 15 main stop || true
fi

# A node_modules that is a link (a git worktree sharing another checkout's) belongs to that checkout: leave it.
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund
fi

# PostgreSQL runs as the postgres user when we are root; it must be able to reach the state dir.
if [ -z "${CQRSCTL_HOME:-}" ] && [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$PWD"; then
  export CQRSCTL_HOME=/var/tmp/cqrsctl
  echo "Using CQRSCTL_HOME=$CQRSCTL_HOME (the postgres user cannot reach $PWD)"
fi
