#!/bin/bash
# rds-app-start: deploys the configured release. rds-app.service runs it
# on every start (`rds-app-start boot`) and reload (`rds-app-start deploy`),
# with the settings of /etc/rds-app/host.env in its environment. At boot it
# first brings back the last release that was healthy, if there is one
# (rds-app-swap restore), and stops there. Otherwise it reads the database
# and application secrets from Secrets Manager, writes them to an env file
# on tmpfs readable by root only, reads the container's settings (ports,
# health check, proxy, plain variables) from the SSM parameters under
# CONTAINER_PATH (pieces 000, 001, ... joined in order), logs in to ECR
# afresh (tokens expire after 12 hours), pulls the image named by the image
# parameter and the proxy's image, checks that both run on the host's CPU,
# and hands over to rds-app-swap, which
# starts the new container beside the old one and switches to it once it is
# healthy. Everything the container sees is read here, so a reload applies
# any change of it.
#
# No secret value is ever printed, logged or put on a command line: secrets
# travel through pipes into jq and from jq into the env file only.
#
# shellcheck disable=SC2154 # the upper-case settings come from host.env
set -euo pipefail
umask 077

log() { printf 'rds-app-start: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

mode=${1:-deploy}
[[ $mode == boot || $mode == deploy ]] || die "usage: rds-app-start boot|deploy"
# The swap script is installed beside this one.
swap=${BASH_SOURCE[0]%/*}/rds-app-swap

for var in AWS_REGION DB_SECRET_ARN APP_SECRET_ARN IMAGE_PARAMETER CONTAINER_PATH LOG_GROUP \
  CA_BUNDLE CA_BUNDLE_URL CONTAINER_CA_PATH CONTAINER_NAME; do
  [[ -n ${!var:-} ]] || die "$var is not set; rds-app.service reads it from /etc/rds-app/host.env"
done
for tool in aws jq docker curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

db_wait_seconds=${DB_WAIT_SECONDS:-3600}
db_poll_seconds=${DB_POLL_SECONDS:-15}
retry_attempts=${RETRY_ATTEMPTS:-5}
retry_delay_seconds=${RETRY_DELAY_SECONDS:-5}
# The AWS CLI retries throttling and server errors itself.
export AWS_RETRY_MODE=${AWS_RETRY_MODE:-standard} AWS_MAX_ATTEMPTS=${AWS_MAX_ATTEMPTS:-10}
export AWS_DEFAULT_REGION=$AWS_REGION

runtime_dir=${RUNTIME_DIRECTORY:-/run/rds-app}
env_file=$runtime_dir/app.env
plain_env_file=$runtime_dir/plain.env
settings_file=$runtime_dir/settings.json
# docker login stores the ECR token in DOCKER_CONFIG: keep it on tmpfs too.
export DOCKER_CONFIG=$runtime_dir/docker

# retry WHAT COMMAND...: runs a network step until it succeeds or runs out
# of attempts, waiting longer after each failure.
retry() {
  local what=$1 attempt=1
  shift
  until "$@"; do
    if ((attempt >= retry_attempts)); then
      log "$what failed $attempt times; giving up"
      return 1
    fi
    log "$what failed (attempt $attempt/$retry_attempts); retrying in $((attempt * retry_delay_seconds))s"
    sleep $((attempt * retry_delay_seconds))
    attempt=$((attempt + 1))
  done
}

# The container's CA bundle (CA_BUNDLE, mounted at CONTAINER_CA_PATH): the
# region's RDS roots, which sign the instance's and the replicas'
# certificates, and, when the database secret names an RDS Proxy, Amazon
# Trust Services' roots too: the proxy's certificate comes from AWS
# Certificate Manager and chains to them, not to the RDS CA. Each part is
# downloaded once and kept beside the bundle; the bundle is put together
# again at every deploy, so switching the proxy on or off changes it.
amazon_root_ca_urls=${AMAZON_ROOT_CA_URLS:-https://www.amazontrust.com/repository/AmazonRootCA1.pem https://www.amazontrust.com/repository/AmazonRootCA2.pem https://www.amazontrust.com/repository/AmazonRootCA3.pem https://www.amazontrust.com/repository/AmazonRootCA4.pem}
rds_roots=${CA_BUNDLE%.pem}.rds.pem
amazon_roots=${CA_BUNDLE%.pem}.amazon.pem

# download_pem FILE WHAT URL...: the certificates at the URLs, one after
# the other, in FILE, unless FILE is already there.
download_pem() {
  local file=$1 what=$2 tmp part url
  shift 2
  [[ -s $file ]] && return 0
  tmp=$(mktemp "$file.XXXXXX")
  part=$(mktemp "$file.part.XXXXXX")
  for url in "$@"; do
    if ! retry "downloading $what" curl --fail --silent --show-error --output "$part" "$url"; then
      rm -f "$tmp" "$part"
      die "could not download $what from $url"
    fi
    if ! grep -q 'BEGIN CERTIFICATE' "$part"; then
      rm -f "$tmp" "$part"
      die "$url did not return a PEM certificate bundle"
    fi
    cat "$part" >>"$tmp"
  done
  rm -f "$part"
  chmod 0644 "$tmp"
  mv "$tmp" "$file"
}

ensure_ca_bundle() {
  local parts=("$rds_roots") tmp
  download_pem "$rds_roots" "the RDS CA bundle" "$CA_BUNDLE_URL"
  if printf '%s' "$db_secret" | jq --exit-status '.proxy == true' >/dev/null; then
    # shellcheck disable=SC2086 # a list of URLs, split on spaces
    download_pem "$amazon_roots" "Amazon's root CAs" $amazon_root_ca_urls
    parts+=("$amazon_roots")
  fi
  tmp=$(mktemp "$CA_BUNDLE.XXXXXX")
  cat "${parts[@]}" >"$tmp"
  chmod 0644 "$tmp"
  mv "$tmp" "$CA_BUNDLE"
}

# read_db_secret waits until the database secret has a value with a host:
# the host may boot before the database exists, and the secret's value is
# written only once it does.
read_db_secret() {
  local deadline=$((SECONDS + db_wait_seconds)) stages
  while :; do
    if ! stages=$(aws secretsmanager describe-secret --secret-id "$DB_SECRET_ARN" --query VersionIdsToStages --output json); then
      die "cannot read the database secret $DB_SECRET_ARN (see the AWS CLI error above)"
    fi
    if printf '%s' "$stages" | jq --exit-status 'any(.[]?; index("AWSCURRENT"))' >/dev/null; then
      if ! db_secret=$(aws secretsmanager get-secret-value --secret-id "$DB_SECRET_ARN" --query SecretString --output text); then
        die "cannot read the value of the database secret $DB_SECRET_ARN"
      fi
      if ! printf '%s' "$db_secret" | jq --exit-status 'type == "object"' >/dev/null 2>&1; then
        die "the database secret $DB_SECRET_ARN does not hold a JSON object"
      fi
      if printf '%s' "$db_secret" | jq --exit-status '(.host // "") != ""' >/dev/null; then
        return 0
      fi
    fi
    if ((SECONDS >= deadline)); then
      die "the database secret $DB_SECRET_ARN still has no host after ${db_wait_seconds}s"
    fi
    log "the database secret has no host yet (the database is still being created); checking again in ${db_poll_seconds}s"
    sleep "$db_poll_seconds"
  done
}

read_app_secret() {
  if ! app_secret=$(aws secretsmanager get-secret-value --secret-id "$APP_SECRET_ARN" --query SecretString --output text); then
    die "cannot read the application secret $APP_SECRET_ARN (see the AWS CLI error above)"
  fi
}

# The container's environment contract. Errors name keys, never values.
# The read replicas' variables are there only when the secret lists
# replicas: the same user, password and database as DATABASE_URL, on the
# replicas' port (readPort: with a proxy, port is the proxy's).
# shellcheck disable=SC2016 # jq variables, not shell ones
db_env_program='
def field($k):
  if (.[$k] | type) == "string" and .[$k] != "" then .[$k]
  elif (.[$k] | type) == "number" then .[$k] | tostring
  else error("the database secret has no \($k)") end;
def line($k; $v):
  if ($v | test("[\n\r\u0000]")) then error("the value of \($k) contains a line break")
  else "\($k)=\($v)" end;
def read_hosts:
  if .readHosts == null or .readHosts == [] then []
  elif (.readHosts | type) == "array" and all(.readHosts[]; type == "string" and test("^[A-Za-z0-9][A-Za-z0-9.-]*$"))
  then .readHosts
  else error("the database secret has readHosts that are not host names") end;
field("host") as $host | field("port") as $port | field("dbname") as $db
| field("username") as $user | field("password") as $pass
| def url($h; $p): "postgres://\($user | @uri):\($pass | @uri)@\($h):\($p)/\($db | @uri)?sslmode=verify-full&sslrootcert=\($ca | @uri)";
  url($host; $port) as $url
| read_hosts as $reads
| line("DATABASE_CLIENT"; "postgres"), line("DATABASE_HOST"; $host), line("DATABASE_PORT"; $port),
  line("DATABASE_NAME"; $db), line("DATABASE_USERNAME"; $user), line("DATABASE_PASSWORD"; $pass),
  line("DATABASE_SSL"; "true"), line("DATABASE_SSL_CA"; $ca), line("DATABASE_SSL_REJECT_UNAUTHORIZED"; "true"),
  line("DATABASE_URL"; $url),
  line("PGHOST"; $host), line("PGPORT"; $port), line("PGDATABASE"; $db), line("PGUSER"; $user),
  line("PGPASSWORD"; $pass), line("PGSSLMODE"; "verify-full"), line("PGSSLROOTCERT"; $ca),
  if $reads == [] then empty
  else (if has("readPort") then field("readPort") else $port end) as $read_port
  | line("DATABASE_READ_HOSTS"; $reads | join(",")), line("DATABASE_READ_PORT"; $read_port),
    line("DATABASE_READ_URLS"; [$reads[] | url(.; $read_port)] | join(","))
  end
'
app_env_program='
if type != "object" then error("the application secret is not a JSON object") else . end
| to_entries[]
| if (.key | test("^[A-Za-z_][A-Za-z0-9_]*$") | not) then error("the application secret has an invalid name")
  elif (.value | type) != "string" then error("the application secret value of \(.key) is not a string")
  elif (.value | test("[\n\r\u0000]")) then error("the application secret value of \(.key) contains a line break")
  else "\(.key)=\(.value)" end
'

write_env_file() {
  local tmp duplicates
  mkdir -p "$runtime_dir"
  chmod 0700 "$runtime_dir"
  tmp=$(mktemp "$runtime_dir/app.env.XXXXXX")
  if ! {
    printf '%s' "$db_secret" | jq --raw-output --arg ca "$CONTAINER_CA_PATH" "$db_env_program" &&
      printf '%s' "$app_secret" | jq --raw-output "$app_env_program"
  } >"$tmp"; then
    rm -f "$tmp"
    die "cannot build the container environment from the secrets (see the jq error above)"
  fi
  # A name set twice would let the application secret override the
  # database settings (Docker keeps the last); names are not secret.
  duplicates=$(cut -d= -f1 "$tmp" | sort | uniq -d | tr '\n' ' ')
  if [[ -n $duplicates ]]; then
    rm -f "$tmp"
    die "the application secret redefines variables the host sets: $duplicates"
  fi
  chmod 0600 "$tmp"
  mv "$tmp" "$env_file"
}

# The container settings (compute.ContainerSettings): ports, the health
# check, the proxy's image and configuration, and the plain variables. The
# program wrote them; this checks what the scripts rely on. The output is
# the proxy's image, then the env file. Errors name keys, never values.
# shellcheck disable=SC2016 # jq variables, not shell ones
settings_program='
def check(ok; message): if ok then . else error(message) end;
def whole($min; $max): type == "number" and . >= $min and . <= $max and floor == .;
def port($k): check(.[$k] | whole(1; 65535); "\($k) is not a port");
def count($k; $max): check(.[$k] | whole(1; $max); "\($k) is not a whole number from 1 to \($max)");
check(type == "object"; "the settings are not a JSON object")
| port("hostPort") | port("containerPort") | port("proxyAdminPort")
| count("healthCheckTimeout"; 3600) | count("healthCheckInterval"; 3600) | count("healthCheckRetries"; 1000)
| count("drainSeconds"; 3600)
| check((.slotPorts | type) == "array" and (.slotPorts | length) == 2 and all(.slotPorts[]; whole(1; 65535))
    and .slotPorts[0] != .slotPorts[1]; "slotPorts are not two ports")
| check((.healthCheckPath | type) == "string" and (.healthCheckPath | test("^/[^\\s#]*$")); "healthCheckPath is not a URL path")
| check((.proxyImage | type) == "string" and (.proxyImage | test("^[^\\s]+$")); "proxyImage is not an image reference")
| check((.proxy | type) == "object"; "proxy is not an object")
| check((.environment | type) == "object"; "environment is not an object")
| .proxyImage, (.environment | to_entries[]
  | if (.key | test("^[A-Za-z_][A-Za-z0-9_]*$") | not) then error("the environment has an invalid name")
    elif (.value | type) != "string" then error("the environment value of \(.key) is not a string")
    elif (.value | test("[\n\r\u0000]")) then error("the environment value of \(.key) contains a line break")
    else "\(.key)=\(.value)" end)
'
# The pieces, by name (000, 001, ...): the first starts with their number
# and a newline. Pieces past that number are left over from larger settings
# and are about to be deleted.
# shellcheck disable=SC2016 # jq variables, not shell ones
join_program='
sort_by(.[0])
| if length == 0 then error("there are no settings under \($path)") else . end
| (.[0][1] | capture("^(?<n>[0-9]+)\n") | .n | tonumber) as $n
| .[0:$n]
| if [.[][0]] != [range($n) | tostring | "\($path)/" + ("00" + . | .[-3:])]
  then error("the settings under \($path) lack some of their \($n) pieces") else . end
| map(.[1]) | join("") | sub("^[0-9]+\n"; "")
'

read_container_settings() {
  local pieces settings tmp
  if ! pieces=$(aws ssm get-parameters-by-path --path "$CONTAINER_PATH" --query 'Parameters[].[Name, Value]' --output json); then
    die "cannot read the container settings under $CONTAINER_PATH"
  fi
  if ! settings=$(printf '%s' "$pieces" | jq --raw-output --arg path "$CONTAINER_PATH" "$join_program"); then
    die "the container settings under $CONTAINER_PATH are incomplete (see the jq error above)"
  fi
  tmp=$(mktemp "$runtime_dir/plain.env.XXXXXX")
  if ! printf '%s' "$settings" | jq --raw-output "$settings_program" >"$tmp"; then
    rm -f "$tmp"
    die "the container settings under $CONTAINER_PATH are not usable (see the jq error above)"
  fi
  read -r proxy_image <"$tmp"
  sed -i 1d "$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$plain_env_file"
  printf '%s' "$settings" >"$settings_file"
}

read_image() {
  if ! image=$(aws ssm get-parameter --name "$IMAGE_PARAMETER" --query Parameter.Value --output text); then
    die "cannot read the image parameter $IMAGE_PARAMETER"
  fi
  [[ -n $image && $image != *[[:space:]]* ]] || die "the image parameter $IMAGE_PARAMETER holds no image reference"
}

ecr_login() {
  aws ecr get-login-password --region "$2" | docker login --username AWS --password-stdin "$1" >/dev/null
}

# The host's platform as Docker names it (linux/arm64 on Graviton types
# such as t4g, linux/amd64 on Intel and AMD ones).
case $(uname -m) in
aarch64 | arm64) host_platform=linux/arm64 ;;
x86_64 | amd64) host_platform=linux/amd64 ;;
*) host_platform=linux/$(uname -m) ;;
esac

# this_host: "this host (<instance type>)", the type asked of the instance
# metadata service (IMDSv2; AWS_EC2_METADATA_SERVICE_ENDPOINT is the AWS
# CLI's own override), or "this host" when it does not answer at once. The
# token goes to curl on stdin, not on its command line.
this_host() {
  local imds=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254} token type
  if token=$(curl --silent --fail --max-time 2 --request PUT \
    --header 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$imds/latest/api/token") &&
    type=$(printf 'X-aws-ec2-metadata-token: %s\n' "$token" |
      curl --silent --fail --max-time 2 --header @- "$imds/latest/meta-data/instance-type") &&
    [[ $type =~ ^[a-z0-9.-]+$ ]]; then
    echo "this host ($type)"
  else
    echo "this host"
  fi
}

# What to do about an image for another platform: the application's, and
# the proxy's (app.proxyImage).
build_advice="build it for $host_platform (docker buildx build --platform $host_platform, or bin/rds-app-ship which does)"
proxy_advice="set app.proxyImage to an image for $host_platform (the default has one for each)"

# wrong_platform WHAT ADVICE: dies saying that the image is WHAT (built
# for another platform, or without a variant for this one) and what to do.
wrong_platform() {
  die "$1, but $(this_host) runs $host_platform: $2"
}

# pull IMAGE ADVICE: docker pull, its messages shown. An image with
# variants for several platforms but none for this host's is refused at
# once, with the reason: no retry brings one.
pull() {
  local out
  if out=$(docker pull --quiet "$1" 2>&1 >/dev/null); then
    [[ -z $out ]] || printf '%s\n' "$out" >&2
    return 0
  fi
  printf '%s\n' "$out" >&2
  # Docker's own image store, and the containerd image store.
  if [[ $out == *"no matching manifest for"* || $out == *"no match for platform in manifest"* ]]; then
    wrong_platform "image $1 has variants for other platforms only" "$2"
  fi
  return 1
}

# check_platform IMAGE ADVICE: the pulled IMAGE runs on this host's CPU.
# Docker pulls an image of one other platform with a mere warning, and its
# container then exits at once with "exec format error", again and again:
# refuse it here, with the reason, before anything changes.
check_platform() {
  local platform
  platform=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$1") ||
    die "cannot read the platform of the pulled image $1"
  [[ $platform == "$host_platform" ]] || wrong_platform "image $1 is built for $platform" "$2"
}

if [[ $mode == boot ]]; then
  "$swap" restore && exit 0
  log "deploying the configured release"
fi
read_db_secret
ensure_ca_bundle
read_app_secret
write_env_file
read_container_settings
read_image

registry=${image%%/*}
if [[ $registry =~ ^[0-9]{12}\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$ ]]; then
  retry "logging in to $registry" ecr_login "$registry" "${BASH_REMATCH[2]}" ||
    die "cannot log in to $registry"
fi
# Pulled and checked before anything changes: a failed pull, or an image
# for another CPU, leaves everything serving.
retry "pulling $image" pull "$image" "$build_advice" || die "cannot pull $image"
check_platform "$image" "$build_advice"
if ! docker image inspect "$proxy_image" >/dev/null 2>&1; then
  retry "pulling $proxy_image" pull "$proxy_image" "$proxy_advice" || die "cannot pull the proxy image $proxy_image"
fi
check_platform "$proxy_image" "$proxy_advice"

export IMAGE=$image SETTINGS_FILE=$settings_file ENV_FILE=$env_file PLAIN_ENV_FILE=$plain_env_file
exec "$swap" deploy
