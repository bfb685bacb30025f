#!/bin/bash
# rds-app-install: installs what rds-app-start needs (Docker and jq) and
# starts Docker. Runs before every start of rds-app.service; once the
# packages are there it only makes sure Docker is running. Package
# downloads are retried, since the first boot may meet a flaky network.
set -euo pipefail

log() { printf 'rds-app-install: %s\n' "$*" >&2; }

attempts=${INSTALL_ATTEMPTS:-10}
if ! rpm -q docker jq >/dev/null 2>&1; then
  attempt=1
  until dnf install --assumeyes --quiet docker jq; do
    if (( attempt >= attempts )); then
      log "error: could not install docker and jq after $attempt attempts"
      exit 1
    fi
    log "package install failed (attempt $attempt/$attempts); retrying in $((attempt * 10))s"
    sleep $((attempt * 10))
    attempt=$((attempt + 1))
  done
fi
systemctl enable --now docker.service
