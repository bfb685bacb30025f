#!/bin/bash
# rds-app-health: asks the application for its health once and publishes the
# answer as a CloudWatch metric (HEALTH_METRIC in HEALTH_NAMESPACE: 1 healthy,
# 0 not) for the stack's app-health alarm. rds-app-health.timer runs it every
# minute, with the settings of /etc/rds-app/host.env in its environment.
#
# The check is the one every deploy waits for, app.healthCheckPath healthy
# when it answers 2xx or 3xx, asked as a client asks: through the host's
# proxy, which nothing else on a single host watches. Without app.domain
# (and on every host behind a load balancer) that is plain HTTP on
# app.hostPort, where Caddy's automatic HTTPS is off, so a redirect there
# is the application's own. With app.domain, port 80 answers anything with
# Caddy's redirect to HTTPS, application or none, so the check goes over
# HTTPS to the domain on the proxy's HTTPS port, resolved to this host
# (curl --resolve), with the certificate checked as a browser would: it
# takes the application's route, certificate and TLS, and fails when any of
# them does. (The live slot's own port would reach the application but not
# the proxy.) The settings are those of what serves, which rds-app-swap
# records in $STATE_DIR/live.json after each switch: the release this host
# runs (on a group's host its launch template's, not the one configured
# since), read without asking AWS. Nothing served yet reads as unhealthy.
# The alarm treats a silent host as a failing one.
#
# shellcheck disable=SC2154 # the upper-case settings come from host.env
set -uo pipefail

log() { printf 'rds-app-health: %s\n' "$*" >&2; }

for var in AWS_REGION STATE_DIR HEALTH_NAMESPACE HEALTH_METRIC; do
  if [[ -z ${!var:-} ]]; then
    log "error: $var is not set; rds-app-health.service reads it from /etc/rds-app/host.env"
    exit 1
  fi
done
export AWS_DEFAULT_REGION=$AWS_REGION
# The timer runs this every minute: a few quick attempts, not a long wait.
export AWS_RETRY_MODE=${AWS_RETRY_MODE:-standard} AWS_MAX_ATTEMPTS=${AWS_MAX_ATTEMPTS:-3}
live_file=$STATE_DIR/live.json

# The live settings. Prints the URL to ask and, with a domain, curl's
# --resolve for it: "<url> [<domain>:<port>:127.0.0.1]". The HTTPS port is
# the one the proxy's server listens on (443 on a host).
# shellcheck disable=SC2016 # jq variables, not shell ones
target_program='
.settings
| if (.hostPort | type) == "number" and (.healthCheckPath | type) == "string" and (.healthCheckPath | test("^/[^\\s#]*$"))
  then . else error("the settings have no usable hostPort and healthCheckPath") end
| if (.domain // "") == "" then "http://127.0.0.1:\(.hostPort)\(.healthCheckPath)"
  elif (.domain | test("^[A-Za-z0-9.-]+$") | not) then error("the settings have an unusable domain")
  else ([.proxy.apps.http.servers.app.listen[]? | strings | capture(":(?<port>[0-9]+)$").port][0]
    // error("the proxy serves no HTTPS port")) as $port
  | "https://\(.domain):\($port)\(.healthCheckPath) \(.domain):\($port):127.0.0.1" end
'

healthy=0
target=""
if [[ ! -s $live_file ]]; then
  log "unhealthy: nothing serves on this host yet ($live_file is not there)"
elif ! target=$(jq --raw-output "$target_program" "$live_file") || [[ -z $target ]]; then
  log "unhealthy: the settings of what serves, in $live_file, cannot be read (see the jq error above)"
  target=""
fi
if [[ -n $target ]]; then
  read -r url resolve <<<"$target"
  # No --location: a redirect is an answer, and only the application's can
  # come back here.
  read -r code error < <(curl --silent --output /dev/null --max-time 10 --write-out '%{http_code} %{errormsg}\n' \
    ${resolve:+--resolve "$resolve"} "$url")
  if [[ $code =~ ^[23][0-9][0-9]$ ]]; then
    healthy=1
  elif [[ ${code:-000} == 000 ]]; then
    log "unhealthy: $url${resolve:+ (on this host)} answered nothing${error:+: $error}"
  else
    log "unhealthy: $url${resolve:+ (on this host)} answered $code"
  fi
fi

if ! aws cloudwatch put-metric-data --namespace "$HEALTH_NAMESPACE" --metric-name "$HEALTH_METRIC" --unit Count --value "$healthy"; then
  log "error: cannot publish $HEALTH_NAMESPACE/$HEALTH_METRIC (see the AWS CLI error above); the alarm counts the silence as a failure"
  exit 1
fi
