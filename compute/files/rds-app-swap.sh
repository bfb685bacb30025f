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
# The proxy takes turns too, between two containers ($PROXY_NAME-a and
# -b), when its image changes (app.proxyImage) or it does not answer: the
# new one starts beside the old one on the same ports, which Caddy binds
# with SO_REUSEPORT, and once it answers the old one stops gracefully, so
# no connection is refused (ensure_proxy).
#
# What serves is recorded in $STATE_DIR/live.json (its slot, image and
# settings), written only after a switch; the live proxy's name in
# $STATE_DIR/proxy.name, written once it answers. Its configuration,
# proxy/<name>.json, is rendered from live.json.
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
live_proxy_file=$STATE_DIR/proxy.name
proxy_dir=$STATE_DIR/proxy
# Caddy's certificates and ACME account: kept across restarts of the proxy,
# shared by both of its containers.
data_dir=$STATE_DIR/caddy
# Where the proxy's containers see their configurations.
proxy_dir_in=/etc/caddy/rds-app
# One health check waits this long for an answer (config.HealthCheckRequestSeconds).
request_seconds=5
# docker stop's grace between SIGTERM and SIGKILL, after the drain.
stop_seconds=10
# A switch returns once the old configuration's requests are done: at most
# the longest drainSeconds (300) and a margin. An old proxy gets as long to
# stop: Caddy exits once its requests are done, within its grace period.
load_seconds=360
# How long a new proxy has to answer on its admin API.
proxy_start_seconds=30
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

# use_proxy NAME: the proxy's container NAME is the live one, started from
# $proxy_conf.
use_proxy() {
  proxy_name=$1
  proxy_conf=$proxy_dir/$1.json
}
use_proxy "$PROXY_NAME-a"
[[ $(cat "$live_proxy_file" 2>/dev/null || true) != "$PROXY_NAME-b" ]] || use_proxy "$PROXY_NAME-b"
other_proxy() { if [[ $proxy_name == "$PROXY_NAME-a" ]]; then echo "$PROXY_NAME-b"; else echo "$PROXY_NAME-a"; fi; }

# render_proxy PORT FILE [PATH]: the live proxy's configuration from the
# settings, its upstream pointed at 127.0.0.1:PORT, its admin API marked
# with the proxy's name (wait_proxy).
render_proxy() {
  # shellcheck disable=SC2016 # jq variables, not shell ones
  jq --arg dial "127.0.0.1:$1" --arg name "$proxy_name" \
    "${3:-}"'.proxy | .admin["@id"] = $name | (.. | objects | select(.["@id"]? == "rds-app-upstream") | .dial) |= $dial' "$2"
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

# run_proxy NAME: starts the proxy's container NAME from the configured
# image and $proxy_dir/NAME.json. The host's network: Caddy binds the
# public ports itself and sees the clients' addresses, and its admin API
# stays on the host's loopback. No restart policy until it answers.
run_proxy() {
  docker rm --force "$1" >/dev/null 2>&1 || true
  docker run --detach --name "$1" --restart no --network host \
    --volume "$proxy_dir:$proxy_dir_in:ro" --volume "$data_dir:/data" \
    --log-driver awslogs --log-opt "awslogs-region=$AWS_REGION" --log-opt "awslogs-group=$LOG_GROUP" \
    --log-opt mode=non-blocking --log-opt 'tag={{.Name}}/{{.ID}}' \
    "$proxy_image" caddy run --config "$proxy_dir_in/$1.json" >/dev/null
}

# wait_proxy NAME: waits until the proxy NAME answers on its admin API with
# its own name (its configuration marks the admin API with it): while two
# proxies run, both listen on the admin port and the kernel spreads the
# connections across them, and only NAME knows its name. Caddy answers
# once its configuration is running, its listeners bound. Fails, saying
# why in $why, when the container stops or the time is up.
wait_proxy() {
  local deadline=$((SECONDS + proxy_start_seconds)) running
  while :; do
    running=$(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null || true)
    if [[ $running != true ]]; then
      why="it stopped"
      return 1
    fi
    curl --silent --fail --output /dev/null --max-time 2 "$(admin_url)/id/$1" && return 0
    if ((SECONDS >= deadline)); then
      why="its admin API did not answer within ${proxy_start_seconds}s"
      return 1
    fi
    sleep 0.2
  done
}

# retire_proxy NAME: stops the proxy NAME gracefully, if it is there, and
# removes it. Caddy closes its listeners, whose waiting connections move to
# the other proxy's (net.ipv4.tcp_migrate_req, set by the host), and exits
# once its requests in flight are done, within its grace period.
retire_proxy() {
  if docker inspect --format '{{.Config.Image}}' "$1" >/dev/null 2>&1; then
    docker stop --time "$load_seconds" "$1" >/dev/null 2>&1 || true
    docker rm --force "$1" >/dev/null 2>&1 || true
  fi
  rm -f "$proxy_dir/$1.json"
}

# ensure_proxy: the live proxy runs the configured image and answers. When
# it runs another image or does not answer, a new proxy starts beside it,
# in the other container, from the same configuration; once the new one
# answers it is the live proxy and the old one is retired, as is a leftover
# of an interrupted replacement. A new proxy that does not answer is
# removed and the release fails; the old one is left as it was.
ensure_proxy() {
  local image old='' left='' tmp started
  image=$(docker inspect --format '{{.Config.Image}}' "$proxy_name" 2>/dev/null || true)
  if [[ $image == "$proxy_image" ]]; then
    docker start "$proxy_name" >/dev/null 2>&1 || true
    if wait_proxy "$proxy_name"; then
      retire_proxy "$(other_proxy)"
      return 0
    fi
    log "the proxy $proxy_name does not answer ($why); starting a new one beside it"
    left="; $proxy_name, which does not answer either, is left as it is"
  elif [[ -n $image ]]; then
    log "replacing the proxy's image $image with $proxy_image: the new proxy starts beside the old one, which stops once the new one answers"
    left=" and $proxy_name keeps serving"
  fi
  # Without a container (none yet, or gone) there is nothing to start
  # beside: the live proxy starts from its configuration.
  if [[ -n $image ]]; then
    old=$proxy_name
    use_proxy "$(other_proxy)"
    tmp=$(mktemp "$proxy_conf.XXXXXX")
    # shellcheck disable=SC2016 # jq variables, not shell ones
    jq --arg name "$proxy_name" '.admin["@id"] = $name' "$proxy_dir/$old.json" >"$tmp"
    mv "$tmp" "$proxy_conf"
  fi
  started=$(now_ms)
  run_proxy "$proxy_name"
  if ! wait_proxy "$proxy_name"; then
    docker logs --tail 20 "$proxy_name" >&2 || true
    docker rm --force "$proxy_name" >/dev/null 2>&1 || true
    [[ -z $old ]] || rm -f "$proxy_conf"
    die "the new proxy from $proxy_image was refused: $why. It is removed$left; its last 20 log lines are above, all of them in the log group $LOG_GROUP (streams $proxy_name/<container id>)"
  fi
  docker update --restart unless-stopped "$proxy_name" >/dev/null
  printf '%s\n' "$proxy_name" >"$live_proxy_file.tmp"
  mv "$live_proxy_file.tmp" "$live_proxy_file"
  [[ -z $old ]] || log "the new proxy $proxy_name answers after $(since_ms "$started"); stopping $old, whose requests in flight get their grace period"
  retire_proxy "$(other_proxy)"
  [[ -z $old ]] || log "the proxy now runs $proxy_image in $proxy_name; replaced in $(since_ms "$started") (the drain of $old included)"
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
  tmp=$(mktemp "$proxy_conf.XXXXXX")
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
stop) docker stop --time "$stop_seconds" "$PROXY_NAME-a" "$PROXY_NAME-b" "$CONTAINER_NAME-blue" "$CONTAINER_NAME-green" >/dev/null 2>&1 || true ;;
*) die "usage: rds-app-swap deploy|restore|stop" ;;
esac
