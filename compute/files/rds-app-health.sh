#!/bin/bash
# rds-app-health: asks the application for its health once and publishes the
# answer as a CloudWatch metric (HEALTH_METRIC in HEALTH_NAMESPACE: 1 healthy,
# 0 not) for the stack's app-health alarm. rds-app-health.timer runs it every
# minute, with the settings of /etc/rds-app/host.env in its environment.
#
# The check is the one every deploy waits for: app.healthCheckPath on
# app.hostPort, healthy when it answers 2xx or 3xx. Both come from the
# container settings under CONTAINER_PATH (pieces 000, 001, ... joined in
# order); the last ones read are kept, so a moment without SSM is not
# reported as an outage. The alarm treats a silent host as a failing one.
#
# shellcheck disable=SC2154 # the upper-case settings come from host.env
set -uo pipefail

log() { printf 'rds-app-health: %s\n' "$*" >&2; }

for var in AWS_REGION CONTAINER_PATH HEALTH_NAMESPACE HEALTH_METRIC; do
  if [[ -z ${!var:-} ]]; then
    log "error: $var is not set; rds-app-health.service reads it from /etc/rds-app/host.env"
    exit 1
  fi
done
export AWS_DEFAULT_REGION=$AWS_REGION
# The timer runs this every minute: a few quick attempts, not a long wait.
export AWS_RETRY_MODE=${AWS_RETRY_MODE:-standard} AWS_MAX_ATTEMPTS=${AWS_MAX_ATTEMPTS:-3}
# systemd sets STATE_DIRECTORY from StateDirectory=.
last_target=${STATE_DIRECTORY:-/var/lib/rds-app-health}/target

# The pieces, sorted by name; the first starts with their number and a
# newline. Prints "<hostPort> <healthCheckPath>".
# shellcheck disable=SC2016 # jq variables, not shell ones
target_program='
sort_by(.[0])
| (.[0][1] | capture("^(?<n>[0-9]+)\n") | .n | tonumber) as $n
| .[0:$n] | map(.[1]) | join("") | sub("^[0-9]+\n"; "") | fromjson
| if (.hostPort | type) == "number" and (.healthCheckPath | type) == "string" and (.healthCheckPath | test("^/[^\\s#]*$"))
  then "\(.hostPort) \(.healthCheckPath)"
  else error("the settings have no usable hostPort and healthCheckPath") end
'

read_target() {
  aws ssm get-parameters-by-path --path "$CONTAINER_PATH" --query 'Parameters[].[Name, Value]' --output json |
    jq --raw-output "$target_program"
}

if target=$(read_target) && [[ -n $target ]]; then
  printf '%s\n' "$target" >"$last_target.tmp" && mv "$last_target.tmp" "$last_target"
elif [[ -s $last_target ]]; then
  target=$(<"$last_target")
  log "cannot read the container settings under $CONTAINER_PATH; checking where they last pointed"
else
  target=""
fi

healthy=0
if [[ -n $target ]]; then
  read -r port path <<<"$target"
  # HEALTH_CHECK_BASE replaces the host's own address in tests.
  url=${HEALTH_CHECK_BASE:-http://127.0.0.1:$port}$path
  code=$(curl --silent --output /dev/null --max-time 10 --write-out '%{http_code}' "$url")
  if [[ $code =~ ^[23][0-9][0-9]$ ]]; then
    healthy=1
  else
    log "unhealthy: $url answered ${code/#000/nothing}"
  fi
else
  log "unhealthy: the container settings under $CONTAINER_PATH cannot be read, and none were read before"
fi

if ! aws cloudwatch put-metric-data --namespace "$HEALTH_NAMESPACE" --metric-name "$HEALTH_METRIC" --unit Count --value "$healthy"; then
  log "error: cannot publish $HEALTH_NAMESPACE/$HEALTH_METRIC (see the AWS CLI error above); the alarm counts the silence as a failure"
  exit 1
fi
