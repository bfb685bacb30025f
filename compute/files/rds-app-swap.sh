#!/bin/bash
# rds-app-swap: blue/green deploys behind the host's reverse proxy, Caddy.
# The application's containers take turns on two loopback ports (slots
# blue and green); only the proxy listens on the host's public ports.
#
#   rds-app-swap deploy   starts $IMAGE in the slot the serving container
#       does not hold, with the env files and settings rds-app-start wrote,
#       waits until it answers the health check path with 2xx or 3xx, then
#       points the proxy at it through Caddy's admin API: a graceful reload,
#       in which requests in flight on the old container get drainSeconds to
#       finish. Then it stops the old container. A new container that does
#       not become healthy is removed, the old one keeps serving, and the
#       deploy fails with the new one's last 50 log lines.
#   rds-app-swap restore  brings back the last release that was healthy (at
#       boot): the proxy, and the container that served.
#   rds-app-swap stop     stops the proxy and the application's containers.
#
# What serves is recorded in $STATE_DIR/live.json (its slot, image and
# settings), written only after a switch; the proxy's configuration,
# proxy/caddy.json, is rendered from it.
#
# shellcheck disable=SC2154,SC2153 # the upper-case settings come from host.env and rds-app-start
set -euo pipefail
umask 077

log() { printf 'rds-app-swap: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

for var in STATE_DIR CONTAINER_NAME PROXY_NAME LOG_GROUP AWS_REGION; do
  [[ -n ${!var:-} ]] || die "$var is not set; rds-app.service reads it from /etc/rds-app/host.env"
done
for tool in jq docker curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

live_file=$STATE_DIR/live.json
proxy_dir=$STATE_DIR/proxy
proxy_conf=$proxy_dir/caddy.json
# Caddy's certificates and ACME account: kept across restarts of the proxy.
data_dir=$STATE_DIR/caddy
# Where the proxy's container sees its configuration.
proxy_conf_in=/etc/caddy/rds-app/caddy.json
# One health check waits this long for an answer (config.HealthCheckRequestSeconds).
request_seconds=5
# docker stop's grace between SIGTERM and SIGKILL, after the drain.
stop_seconds=10
# A switch returns once the old configuration's requests are done: at most
# the longest drainSeconds (300) and a margin.
load_seconds=360
# Why wait_healthy gave up.
why=

# load_settings FILE [PATH]: the settings rds-app-start validated (at PATH
# within FILE) into shell variables.
load_settings() {
  local values
  values=$(jq --raw-output "${2:-.}"' | [.containerPort, .healthCheckPath, .healthCheckTimeout, .healthCheckInterval,
    .healthCheckRetries, .proxyImage, .proxyAdminPort, .slotPorts[0], .slotPorts[1]] | map(tostring) | join(" ")' "$1") || return 1
  read -r container_port health_path health_timeout health_interval health_retries proxy_image admin_port \
    blue_port green_port <<<"$values"
}

# now_ms and since_ms: wall-clock milliseconds, for the log (the locale
# decides EPOCHREALTIME's decimal separator).
now_ms() { echo $((10#${EPOCHREALTIME//[!0-9]/} / 1000)); }
since_ms() { echo "$(($(now_ms) - $1))ms"; }

port_of() { if [[ $1 == blue ]]; then echo "$blue_port"; else echo "$green_port"; fi; }
other() { if [[ $1 == blue ]]; then echo green; else echo blue; fi; }
admin_url() { echo "http://127.0.0.1:$admin_port"; }

# render_proxy PORT FILE [PATH]: the proxy's configuration from the
# settings, its upstream pointed at 127.0.0.1:PORT.
render_proxy() {
  # shellcheck disable=SC2016 # jq variables, not shell ones
  jq --arg dial "127.0.0.1:$1" "${3:-}"'.proxy | (.. | objects | select(.["@id"]? == "rds-app-upstream") | .dial) |= $dial' "$2"
}

# load_proxy FILE: makes FILE the proxy's running configuration, a reload
# and not a restart. Caddy binds new listening sockets beside the old ones
# (SO_REUSEPORT), closes the old ones (connections still waiting in them
# move over: net.ipv4.tcp_migrate_req, set by the host), and answers once
# the old configuration's requests are done (its grace period). A
# configuration equal to the running one changes nothing.
load_proxy() {
  curl --silent --show-error --fail-with-body --max-time "$load_seconds" \
    --header 'Content-Type: application/json' --data-binary "@$1" "$(admin_url)/load" >&2
}

# ensure_proxy: the proxy runs the configured image, from $proxy_conf.
ensure_proxy() {
  local image i
  image=$(docker inspect --format '{{.Config.Image}}' "$PROXY_NAME" 2>/dev/null || true)
  if [[ -n $image && $image != "$proxy_image" ]]; then
    log "replacing the proxy's image $image with $proxy_image: it refuses connections for a moment"
    docker rm --force "$PROXY_NAME" >/dev/null
    image=
  fi
  if [[ -z $image ]]; then
    # The host's network: Caddy binds the public ports itself and sees the
    # clients' addresses, and its admin API stays on the host's loopback.
    docker run --detach --name "$PROXY_NAME" --restart unless-stopped --network host \
      --volume "$proxy_dir:${proxy_conf_in%/*}:ro" --volume "$data_dir:/data" \
      --log-driver awslogs --log-opt "awslogs-region=$AWS_REGION" --log-opt "awslogs-group=$LOG_GROUP" \
      --log-opt mode=non-blocking --log-opt 'tag={{.Name}}/{{.ID}}' \
      "$proxy_image" caddy run --config "$proxy_conf_in" >/dev/null
  else
    docker start "$PROXY_NAME" >/dev/null
  fi
  for ((i = 0; i < 60; i++)); do
    curl --silent --fail --output /dev/null --max-time 2 "$(admin_url)/config/" && return 0
    sleep 0.5
  done
  docker logs --tail 20 "$PROXY_NAME" >&2 || true
  die "the proxy's admin API does not answer on $(admin_url); its last log lines are above"
}

# wait_healthy NAME URL: waits until URL answers 2xx or 3xx. Fails, saying
# why in $why, when the container stops, answers otherwise
# $health_retries times, or the time is up. A container that does not
# answer at all yet is still starting.
wait_healthy() {
  local deadline=$((SECONDS + health_timeout)) bad=0 code running
  while :; do
    running=$(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null || true)
    if [[ $running != true ]]; then
      why="it stopped"
      return 1
    fi
    code=$(curl --silent --output /dev/null --max-time "$request_seconds" --write-out '%{http_code}' "$2" || true)
    [[ $code =~ ^[23][0-9][0-9]$ ]] && return 0
    if [[ $code != 000 ]]; then
      bad=$((bad + 1))
      if ((bad >= health_retries)); then
        why="$2 answered $code, and $bad answers were not 2xx or 3xx"
        return 1
      fi
    fi
    if ((SECONDS + health_interval > deadline)); then
      why="$2 did not answer with 2xx or 3xx within ${health_timeout}s"
      return 1
    fi
    sleep "$health_interval"
  done
}

deploy() {
  local var live target new port url tmp started booted switched
  for var in IMAGE SETTINGS_FILE ENV_FILE PLAIN_ENV_FILE CA_BUNDLE CONTAINER_CA_PATH; do
    [[ -n ${!var:-} ]] || die "$var is not set; rds-app-start sets it"
  done
  load_settings "$SETTINGS_FILE" || die "cannot read the settings in $SETTINGS_FILE"
  mkdir -p "$proxy_dir" "$data_dir"
  live=$(jq --raw-output '.slot // ""' "$live_file" 2>/dev/null || true)
  target=blue
  [[ $live == blue ]] && target=green
  new=$CONTAINER_NAME-$target
  port=$(port_of "$target")
  if [[ ! -s $proxy_conf ]]; then
    # Nothing has served yet: point at the idle slot until a container is
    # healthy.
    render_proxy "$(port_of "$(other "$target")")" "$SETTINGS_FILE" >"$proxy_conf.tmp"
    mv "$proxy_conf.tmp" "$proxy_conf"
  fi
  ensure_proxy

  # A leftover of an interrupted deploy holds the slot.
  docker rm --force "$new" >/dev/null 2>&1 || true
  log "starting $new from $IMAGE on 127.0.0.1:$port${live:+, beside $CONTAINER_NAME-$live}"
  # No restart policy until it is healthy: a crash stays a crash, and is
  # seen as one.
  booted=$(now_ms)
  docker run --detach --name "$new" --restart no \
    --env-file "$ENV_FILE" --env-file "$PLAIN_ENV_FILE" \
    --publish "127.0.0.1:$port:$container_port" \
    --volume "$CA_BUNDLE:$CONTAINER_CA_PATH:ro" \
    --log-driver awslogs --log-opt "awslogs-region=$AWS_REGION" --log-opt "awslogs-group=$LOG_GROUP" \
    --log-opt mode=non-blocking --log-opt 'tag={{.Name}}/{{.ID}}' \
    "$IMAGE" >/dev/null
  url=http://127.0.0.1:$port$health_path
  if ! wait_healthy "$new" "$url"; then
    docker logs --tail 50 "$new" >&2 || true
    docker rm --force "$new" >/dev/null 2>&1 || true
    die "the new container from $IMAGE was refused: $why. It is removed${live:+ and $CONTAINER_NAME-$live keeps serving}; its last 50 log lines are above, all of them in the log group $LOG_GROUP (streams $new/<container id>)"
  fi
  docker update --restart unless-stopped "$new" >/dev/null
  log "$new is healthy after $(since_ms "$booted"); switching the proxy to it"

  started=$(now_ms)
  tmp=$(mktemp "$proxy_dir/caddy.json.XXXXXX")
  if ! render_proxy "$port" "$SETTINGS_FILE" >"$tmp" || ! load_proxy "$tmp"; then
    rm -f "$tmp"
    docker rm --force "$new" >/dev/null 2>&1 || true
    die "the proxy did not take the configuration that switches to $new (see its answer above); $new is removed${live:+ and $CONTAINER_NAME-$live keeps serving}"
  fi
  switched=$(since_ms "$started")
  jq --arg slot "$target" --arg image "$IMAGE" '{slot: $slot, image: $image, settings: .}' "$SETTINGS_FILE" >"$live_file.tmp"
  mv "$live_file.tmp" "$live_file"
  mv "$tmp" "$proxy_conf"
  if [[ -n $live ]]; then
    docker stop --time "$stop_seconds" "$CONTAINER_NAME-$live" >/dev/null 2>&1 || true
    docker rm --force "$CONTAINER_NAME-$live" >/dev/null 2>&1 || true
  fi
  log "now serving $IMAGE from $new; the proxy switched in $switched${live:+ (the drain of $CONTAINER_NAME-$live included)}"
}

restore() {
  local slot image
  if [[ ! -s $live_file ]]; then
    log "no release has served on this host yet"
    return 1
  fi
  slot=$(jq --raw-output '.slot' "$live_file")
  image=$(jq --raw-output '.image' "$live_file")
  [[ $slot == blue || $slot == green ]] || return 1
  load_settings "$live_file" .settings || return 1
  mkdir -p "$proxy_dir" "$data_dir"
  render_proxy "$(port_of "$slot")" "$live_file" .settings >"$proxy_conf.tmp"
  mv "$proxy_conf.tmp" "$proxy_conf"
  ensure_proxy
  load_proxy "$proxy_conf" || return 1
  if ! docker start "$CONTAINER_NAME-$slot" >/dev/null 2>&1; then
    log "$CONTAINER_NAME-$slot, which served $image, is gone"
    return 1
  fi
  if ! wait_healthy "$CONTAINER_NAME-$slot" "http://127.0.0.1:$(port_of "$slot")$health_path"; then
    log "$CONTAINER_NAME-$slot, which served $image, is not healthy: $why"
    return 1
  fi
  log "serving $image from $CONTAINER_NAME-$slot again: the last release that was healthy"
}

case ${1:-} in
deploy) deploy ;;
restore) restore ;;
stop) docker stop --time "$stop_seconds" "$PROXY_NAME" "$CONTAINER_NAME-blue" "$CONTAINER_NAME-green" >/dev/null 2>&1 || true ;;
*) die "usage: rds-app-swap deploy|restore|stop" ;;
esac
