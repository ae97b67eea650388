#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine: installs Debian's docker.io when no dockerd exists,
# starts dockerd in the background when `docker info` fails, and waits until it answers.
# Idempotent: with an engine already running it only checks and exits. Runs as root (CI does).
set -euo pipefail

log() { echo "docker-engine: $*" >&2; }
answers() { docker info >/dev/null 2>&1; }

# A DOCKER_HOST pointing elsewhere (a remote engine, a socket we did not make) is the caller's business.
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
  if answers; then log "engine at ${DOCKER_HOST} answers"; exit 0; fi
  log "DOCKER_HOST=${DOCKER_HOST} does not answer; not starting a local engine for it"; exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing docker.io (dockerd, containerd, runc) from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # debootstrap: `cqrsctl images build` makes its base root filesystem with it.
  apt-get install -y -qq --no-install-recommends docker.io debootstrap iptables ca-certificates >/dev/null
fi
command -v debootstrap >/dev/null 2>&1 || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

# Debian's package ships a docker CLI too; any client on PATH will do for the `docker info` check.
command -v docker >/dev/null 2>&1 || { log "no docker client on PATH"; exit 1; }

if answers; then log "engine answers"; exit 0; fi

log_file=/var/log/cqrsctl-dockerd.log
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: ${log_file})"
  # setsid + nohup: the engine must outlive this script and the shell that ran it.
  setsid nohup dockerd >"${log_file}" 2>&1 </dev/null &
fi

for _ in $(seq 1 60); do
  if answers; then log "engine answers"; exit 0; fi
  sleep 1
done
log "dockerd did not answer within 60s; last lines of ${log_file}:"
tail -n 30 "${log_file}" >&2 || true
exit 1
