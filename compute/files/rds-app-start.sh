#!/bin/bash
# rds-app-start: deploys this host's release. rds-app.service runs it on
# every start (`rds-app-start boot`) and reload (`rds-app-start deploy`),
# with the settings of /etc/rds-app/host.env in its environment. At boot it
# first brings back the last release that was healthy, if there is one
# (rds-app-swap restore), and stops there.
#
# Otherwise it finds the release to deploy, a version of the release
# record (RELEASE_KEY in the bucket RELEASE_BUCKET; versions are never
# changed): in an Auto Scaling group the one its launch template version
# tags the host with (the instance tag RELEASE_TAG, read from the instance
# metadata), so a host the group launches boots its template's release
# whatever is configured since; on a single host, which has no such tag,
# the newest (its rollout writes it, and then reloads), waiting while there
# is none yet. A release is the image, the container's settings (ports,
# health check, proxy, plain variables) and the versions of the database
# and application secrets. It reads those versions of both secrets from
# Secrets Manager, writes them to an env file on tmpfs readable by root
# only, logs in to ECR afresh (tokens expire after 12 hours), pulls the
# release's image and the proxy's image, checks that both run on the
# host's CPU, and hands over to rds-app-swap, which starts the new
# container beside the old one and switches to it once it is healthy.
# Everything the container sees is the release's, so the same release
# always runs the same way.
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

for var in AWS_REGION DB_SECRET_ARN APP_SECRET_ARN RELEASE_BUCKET RELEASE_KEY RELEASE_TAG LOG_GROUP \
  CA_BUNDLE CA_BUNDLE_URL CONTAINER_CA_PATH CONTAINER_NAME; do
  [[ -n ${!var:-} ]] || die "$var is not set; rds-app.service reads it from /etc/rds-app/host.env"
done
for tool in aws jq docker curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

release_wait_seconds=${RELEASE_WAIT_SECONDS:-3600}
release_poll_seconds=${RELEASE_POLL_SECONDS:-15}
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
mkdir -p "$runtime_dir"
chmod 0700 "$runtime_dir"

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

# read_db_secret: the database secret's version the release names. It
# has a host: a release is recorded only once the database exists.
read_db_secret() {
  if ! db_secret=$(aws secretsmanager get-secret-value --secret-id "$DB_SECRET_ARN" --version-id "$db_version" \
    --query SecretString --output text); then
    die "cannot read version $db_version of the database secret $DB_SECRET_ARN (see the AWS CLI error above)"
  fi
  if ! printf '%s' "$db_secret" | jq --exit-status 'type == "object"' >/dev/null 2>&1; then
    die "version $db_version of the database secret $DB_SECRET_ARN does not hold a JSON object"
  fi
  if ! printf '%s' "$db_secret" | jq --exit-status '(.host // "") != ""' >/dev/null; then
    die "version $db_version of the database secret $DB_SECRET_ARN has no host"
  fi
}

read_app_secret() {
  if ! app_secret=$(aws secretsmanager get-secret-value --secret-id "$APP_SECRET_ARN" --version-id "$app_version" \
    --query SecretString --output text); then
    die "cannot read version $app_version of the application secret $APP_SECRET_ARN (see the AWS CLI error above)"
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
# The release record (compute.ReleaseRecord): a release, and what it names
# can go on a command line. The output is its ID, the image, the two
# secret versions and the settings, a line each.
# shellcheck disable=SC2016 # jq variables, not shell ones
record_program='
def check(ok; message): if ok then . else error(message) end;
def text($k; $re; $what): check((.[$k] | type) == "string" and (.[$k] | test($re)); "\($k) is not \($what)");
check(type == "object"; "the record is not a JSON object")
| text("id"; "^[0-9a-f]{32}$"; "a release ID")
| text("image"; "^[^\\s]+$"; "an image reference")
| text("databaseSecretVersion"; "^[A-Za-z0-9-]{32,64}$"; "a Secrets Manager version ID")
| text("appSecretVersion"; "^[A-Za-z0-9-]{32,64}$"; "a Secrets Manager version ID")
| check((.settings | type) == "object"; "settings is not an object")
| .id, .image, .databaseSecretVersion, .appSecretVersion, (.settings | tojson)
'

# imds_get PATH: PATH under the instance metadata service's meta-data
# (IMDSv2: a session token first; AWS_EC2_METADATA_SERVICE_ENDPOINT is the
# AWS CLI's own override), as "<HTTP status> <answer>"; the status is
# "none" when no service gives a token at once. The token goes to curl on
# stdin, not on its command line.
imds_get() {
  local imds=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254} token out
  if ! token=$(curl --silent --fail --max-time 2 --request PUT \
    --header 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$imds/latest/api/token"); then
    echo none
    return 0
  fi
  out=$(printf 'X-aws-ec2-metadata-token: %s\n' "$token" |
    curl --silent --max-time 2 --retry 2 --header @- --write-out '\n%{http_code}' "$imds/latest/meta-data/$1") || true
  printf '%s %s\n' "${out##*$'\n'}" "${out%$'\n'*}"
}

# find_release: the version of the release record to deploy, in
# release_version ("" for the newest). A host of an Auto Scaling group has
# the instance tag RELEASE_TAG (the launch template turns on tags in the
# instance metadata); a single host has none (404), nor has a host without
# the metadata service: it deploys the newest release.
find_release() {
  local status value
  read -r status value < <(imds_get "tags/instance/$RELEASE_TAG")
  case $status in
  200)
    release_version=$value
    [[ $release_version =~ ^[A-Za-z0-9._+/=-]{1,1024}$ ]] ||
      die "the instance tag $RELEASE_TAG holds \"$release_version\", which is not a version of the release record"
    log "deploying version $release_version of s3://$RELEASE_BUCKET/$RELEASE_KEY, the release this host's launch template names (instance tag $RELEASE_TAG)"
    ;;
  404 | none)
    release_version=
    log "deploying the newest release, s3://$RELEASE_BUCKET/$RELEASE_KEY"
    ;;
  *) die "the instance metadata service answered $status for the instance tag $RELEASE_TAG; cannot tell which release this host runs" ;;
  esac
}

# fetch_release FILE: the release record's version release_version (the
# newest when empty) in FILE. The newest is waited for while there is none:
# a single host may boot before the database exists, and its first release
# is recorded only once it does. A version that is gone is not.
fetch_release() {
  local deadline=$((SECONDS + release_wait_seconds)) errors=$runtime_dir/release.err
  local args=(s3api get-object --bucket "$RELEASE_BUCKET" --key "$RELEASE_KEY")
  [[ -z $release_version ]] || args+=(--version-id "$release_version")
  while :; do
    if aws "${args[@]}" "$1" >/dev/null 2>"$errors"; then
      rm -f "$errors"
      return 0
    fi
    if [[ -n $release_version ]] && grep -Eq 'NoSuchVersion|InvalidArgument|NoSuchKey|\(404\)' "$errors"; then
      rm -f "$errors"
      die "version $release_version of s3://$RELEASE_BUCKET/$RELEASE_KEY is gone: it is no longer among the releases the stack keeps (app.releasesKept). Roll the group out to a kept release: \`pulumi up\` with the release you want configured"
    fi
    if ! grep -Eq 'NoSuchKey|\(404\)' "$errors"; then
      cat "$errors" >&2
      rm -f "$errors"
      die "cannot read the release record s3://$RELEASE_BUCKET/$RELEASE_KEY (see the AWS CLI error above)"
    fi
    rm -f "$errors"
    if ((SECONDS >= deadline)); then
      die "no release is recorded in s3://$RELEASE_BUCKET/$RELEASE_KEY after ${release_wait_seconds}s"
    fi
    log "no release is recorded yet in s3://$RELEASE_BUCKET/$RELEASE_KEY (the database is probably still being created); checking again in ${release_poll_seconds}s"
    sleep "$release_poll_seconds"
  done
}

# read_release: the release record, checked, in release_id, image,
# db_version, app_version, the settings file and the plain env file; the
# proxy's image in proxy_image.
read_release() {
  local record=$runtime_dir/release.json fields settings tmp what
  what="the release record s3://$RELEASE_BUCKET/$RELEASE_KEY${release_version:+ (version $release_version)}"
  fetch_release "$record"
  if ! fields=$(jq --raw-output "$record_program" "$record"); then
    die "$what is not usable (see the jq error above)"
  fi
  {
    read -r release_id
    read -r image
    read -r db_version
    read -r app_version
    read -r settings
  } <<<"$fields"
  log "release $release_id: $image"
  tmp=$(mktemp "$runtime_dir/plain.env.XXXXXX")
  if ! printf '%s' "$settings" | jq --raw-output "$settings_program" >"$tmp"; then
    rm -f "$tmp"
    die "the container settings of release $release_id ($what) are not usable (see the jq error above)"
  fi
  read -r proxy_image <"$tmp"
  sed -i 1d "$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$plain_env_file"
  printf '%s' "$settings" >"$settings_file"
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
# metadata service, or "this host" when it does not answer at once.
this_host() {
  local status type
  read -r status type < <(imds_get instance-type)
  if [[ $status == 200 && $type =~ ^[a-z0-9.-]+$ ]]; then
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
fi
find_release
read_release
read_db_secret
ensure_ca_bundle
read_app_secret
write_env_file

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
