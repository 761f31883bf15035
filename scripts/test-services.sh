#!/usr/bin/env bash
# The real services the integration and end-to-end tests run against, on loopback:
#   dockerd (Debian's docker.io) on its own socket, a plain registry, a TLS + htpasswd registry,
#   Podman's Docker-compatible API service (Debian's podman with runc) on its own socket,
#   and the busybox:local base image in both (nothing can be pulled from Docker Hub here).
# Usage (as root on Debian): scripts/test-services.sh install | up | down | env
#   install  installs the Debian packages the tests need (also done by up)
#   up       installs what is missing, starts everything, writes $STATE/env (read by scripts/test.mjs)
#   down stops what `up` started, by PID only, and removes $STATE
# A Docker daemon that already answers on /var/run/docker.sock is reused and never stopped.
# STEVEDORE_SERVICES_ONLY=podman: `up` starts only the Podman service (and adds it to an existing
# $STATE/env), for trying Podman beside services that are already running.
set -euo pipefail
STATE=${STEVEDORE_SERVICES_STATE:-/tmp/stevedore-services}
HERE=$(cd "$(dirname "$0")" && pwd)
REG_USER=stevedore
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
log() { echo "[test-services +$(( $(date +%s) - t0 ))s] $*"; }
waitfor() { # waitfor SECONDS CMD...
  local n=$(( $1 * 5 )); shift
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A removed package keeps a dpkg status ("deinstall ok config-files"): only "install ok installed" counts.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

install_packages() {
  local need=() p
  # chromium drives the e2e tests; libkrb5-dev, g++ and make build code-server's native addons.
  # podman with runc named (Debian's default, crun, fails on this cgroup v1 hybrid); openssh-server
  # and openssh-client for the ssh:// host tests; skopeo and zstd make the layer inspector's OCI and
  # zstd test images.
  for p in docker.io docker-registry busybox-static apache2-utils chromium openssl curl iproute2 python3 libkrb5-dev g++ make \
    podman runc openssh-server openssh-client skopeo zstd; do
    installed "$p" || need+=("$p")
  done
  ((${#need[@]})) || return 0
  log "installing ${need[*]}"
  apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null
  apt-get install -y -q --no-install-recommends --no-upgrade -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
}

start_dockerd() {
  if docker -H unix:///var/run/docker.sock info >/dev/null 2>&1; then
    DOCKER_HOST=unix:///var/run/docker.sock
    log "reusing the Docker daemon that answers on /var/run/docker.sock"
    return
  fi
  DOCKER_HOST="unix://$STATE/docker.sock"
  mkdir -p "$STATE/docker" "$STATE/exec"
  # The host firewall stays untouched; the bridge and docker-proxy still make -p 127.0.0.1:H:C work.
  dockerd -H "$DOCKER_HOST" --data-root "$STATE/docker" --exec-root "$STATE/exec" \
    --pidfile "$STATE/dockerd.pid" --iptables=false --ip-forward=false --ip-masq=false \
    >"$STATE/dockerd.log" 2>&1 &
  echo $! > "$STATE/dockerd.pid.ours"
  waitfor 60 docker -H "$DOCKER_HOST" info || { tail -30 "$STATE/dockerd.log"; exit 1; }
  log "dockerd $(docker -H "$DOCKER_HOST" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') on $DOCKER_HOST"
}

busybox_rootfs_tar() { bash "$HERE/busybox-rootfs.sh"; }

make_base_image() {
  docker -H "$DOCKER_HOST" image inspect busybox:local >/dev/null 2>&1 && return
  busybox_rootfs_tar | docker -H "$DOCKER_HOST" import -c 'CMD ["/bin/sh"]' - busybox:local >/dev/null
  log "image busybox:local made from Debian's busybox-static"
}

# Podman keeps all its state under $STATE/podman: its configuration comes from CONTAINERS_CONF,
# CONTAINERS_STORAGE_CONF and CONTAINERS_REGISTRIES_CONF (all honoured by podman 4.3), so
# /etc/containers is never written.
PODMAN_HOST="unix://$STATE/podman.sock"
podman_env() {
  export CONTAINERS_CONF="$STATE/podman/containers.conf" CONTAINERS_STORAGE_CONF="$STATE/podman/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$STATE/podman/registries.conf"
}

start_podman() {
  local dir="$STATE/podman"
  podman_env
  if curl -sf --unix-socket "${PODMAN_HOST#unix://}" http://podman/_ping >/dev/null 2>&1; then
    log "reusing the Podman service on $PODMAN_HOST"
  else
    mkdir -p "$dir/tmp"
    # runc: crun 1.8 refuses this cgroup v1 hybrid. cgroupfs and a file event log: no systemd here.
    # The open-files limit of the machine is 20000; Podman's default asks for more.
    cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"
CONF
    # Docker treats registries on 127.0.0.0/8 as insecure (HTTP, or TLS unverified); Podman does not
    # by itself. The same here for the test registries on any loopback port (prefix match on host).
    cat > "$CONTAINERS_REGISTRIES_CONF" <<CONF
unqualified-search-registries = ["docker.io"]
[[registry]]
location = "127.0.0.1"
insecure = true
CONF
    cat > "$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
    podman system service --time=0 "$PODMAN_HOST" >"$dir/service.log" 2>&1 &
    echo $! > "$STATE/podman.pid.ours"
    waitfor 30 curl -sf --unix-socket "${PODMAN_HOST#unix://}" http://podman/_ping || { tail -30 "$dir/service.log"; exit 1; }
  fi
  # docker.io/library/busybox:local: the name `busybox:local` means in Docker, so tests use one name.
  if ! podman image exists docker.io/library/busybox:local; then
    busybox_rootfs_tar | podman import -q -c 'CMD ["/bin/sh"]' - docker.io/library/busybox:local >/dev/null
    log "image busybox:local imported into Podman"
  fi
  log "Podman $(podman version --format '{{.Server.Version}}') (API $(curl -s --unix-socket "${PODMAN_HOST#unix://}" http://podman/version | python3 -c 'import json,sys; print(json.load(sys.stdin)["ApiVersion"])')) on $PODMAN_HOST"
}

stop_podman() {
  [ -f "$STATE/podman.pid.ours" ] || return 0
  podman_env
  # Containers run under conmon and outlive the service: remove them first.
  podman rm -a -f -t 2 >/dev/null 2>&1 || true
  stop_pid "$STATE/podman.pid.ours" 10
}

set_env_line() { # set_env_line KEY VALUE: adds or replaces KEY=VALUE in $STATE/env
  touch "$STATE/env"
  { grep -v "^$1=" "$STATE/env" || true; echo "$1=$2"; } > "$STATE/env.tmp"
  mv "$STATE/env.tmp" "$STATE/env"
}

start_registries() {
  local reg="$STATE/registry" pass
  mkdir -p "$reg"/{plain,secure}
  PLAIN_PORT=$(free_port); SECURE_PORT=$(free_port)
  pass=$(openssl rand -hex 12)
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$reg/registry.key" -out "$reg/ca.crt" 2>/dev/null
  htpasswd -Bbn "$REG_USER" "$pass" > "$reg/htpasswd"
  cat > "$reg/plain.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $reg/plain}, delete: {enabled: true}}
http: {addr: "127.0.0.1:$PLAIN_PORT"}
YML
  cat > "$reg/secure.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $reg/secure}, delete: {enabled: true}}
http: {addr: "127.0.0.1:$SECURE_PORT", tls: {certificate: $reg/ca.crt, key: $reg/registry.key}}
auth: {htpasswd: {realm: stevedore-test, path: $reg/htpasswd}}
YML
  docker-registry serve "$reg/plain.yml" >"$reg/plain.log" 2>&1 & echo $! > "$STATE/registry-plain.pid.ours"
  docker-registry serve "$reg/secure.yml" >"$reg/secure.log" 2>&1 & echo $! > "$STATE/registry-secure.pid.ours"
  waitfor 30 curl -sf "http://127.0.0.1:$PLAIN_PORT/v2/" || { cat "$reg/plain.log"; exit 1; }
  waitfor 30 curl -sf --cacert "$reg/ca.crt" -u "$REG_USER:$pass" "https://127.0.0.1:$SECURE_PORT/v2/" \
    || { cat "$reg/secure.log"; exit 1; }
  REG_PASS=$pass
  log "registries on 127.0.0.1:$PLAIN_PORT (plain) and 127.0.0.1:$SECURE_PORT (TLS + basic auth)"
}

# Debian 12 has no Compose v2; Debian 13's docker-compose package is the plugin, a static binary.
# It goes into a docker config dir of its own, so tests choose whether `docker compose` exists.
install_compose_plugin() {
  local dir="$STATE/docker-config/cli-plugins" alt="$STATE/apt-trixie" mirror
  [ -x "$dir/docker-compose" ] && return
  mkdir -p "$dir" "$alt/lists/partial" "$alt/debs"
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
  echo "deb $mirror trixie main" > "$alt/sources.list"
  local opts="-o Dir::Etc::sourcelist=$alt/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$alt/lists"
  apt-get update -q $opts >/dev/null
  (cd "$alt/debs" && apt-get download -q $opts docker-compose/trixie >/dev/null 2>&1)
  dpkg-deb --fsys-tarfile "$alt"/debs/docker-compose_*.deb | tar -x -O ./usr/libexec/docker/cli-plugins/docker-compose > "$dir/docker-compose"
  chmod +x "$dir/docker-compose"
  rm -rf "$alt"
  log "Compose plugin $("$dir/docker-compose" version --short) in $STATE/docker-config"
}

stop_pid() { # stop_pid PIDFILE GRACE_SECONDS
  [ -f "$1" ] || return 0
  local p; p=$(cat "$1")
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p"
    for _ in $(seq 1 $(( $2 * 5 ))); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p"
  fi
  rm -f "$1"
}

down() {
  [ -d "$STATE" ] || { echo "[test-services] nothing to stop"; return 0; }
  stop_podman
  stop_pid "$STATE/registry-plain.pid.ours" 10
  stop_pid "$STATE/registry-secure.pid.ours" 10
  if [ -f "$STATE/dockerd.pid.ours" ]; then
    local ids; ids=$(docker -H "unix://$STATE/docker.sock" ps -aq 2>/dev/null || true)
    [ -n "$ids" ] && docker -H "unix://$STATE/docker.sock" rm -f $ids >/dev/null 2>&1
    stop_pid "$STATE/dockerd.pid.ours" 30
    # docker0 is left in place: another daemon on this machine may be using it.
  fi
  awk -v s="$STATE/" 'index($2,s)==1{print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf "$STATE"
  echo "[test-services] stopped"
}

up() {
  [ "$(id -u)" = 0 ] || { echo "test-services.sh up needs root (it installs packages and starts dockerd)" >&2; exit 1; }
  if [ "${STEVEDORE_SERVICES_ONLY:-}" = podman ]; then
    mkdir -p "$STATE"
    install_packages
    start_podman
    set_env_line STEVEDORE_TEST_PODMAN_HOST "$PODMAN_HOST"
    log "ready; environment in $STATE/env"
    return 0
  fi
  if [ -f "$STATE/env" ]; then
    if docker -H "$(sed -n 's/^DOCKER_HOST=//p' "$STATE/env")" info >/dev/null 2>&1; then
      # Services started before Podman joined them get it now.
      install_packages; start_podman; set_env_line STEVEDORE_TEST_PODMAN_HOST "$PODMAN_HOST"
      echo "[test-services] already up: $STATE/env"; return 0
    fi
    down   # what is left of an earlier run that did not stop cleanly
  fi
  mkdir -p "$STATE"
  install_packages
  start_dockerd
  make_base_image
  start_registries
  install_compose_plugin
  start_podman
  cat > "$STATE/env.tmp" <<ENV
DOCKER_HOST=$DOCKER_HOST
STEVEDORE_TEST_BASE_IMAGE=busybox:local
STEVEDORE_TEST_REGISTRY=127.0.0.1:$PLAIN_PORT
STEVEDORE_TEST_SECURE_REGISTRY=127.0.0.1:$SECURE_PORT
STEVEDORE_TEST_REGISTRY_USER=$REG_USER
STEVEDORE_TEST_REGISTRY_PASS=$REG_PASS
STEVEDORE_TEST_REGISTRY_CA=$STATE/registry/ca.crt
STEVEDORE_TEST_COMPOSE_CONFIG=$STATE/docker-config
STEVEDORE_TEST_PODMAN_HOST=$PODMAN_HOST
ENV
  mv "$STATE/env.tmp" "$STATE/env"
  log "ready; environment in $STATE/env"
}

case "${1:-}" in
  install) install_packages ;;
  up) up ;;
  down) down ;;
  env) cat "$STATE/env" ;;
  *) echo "usage: $0 install|up|down|env" >&2; exit 2 ;;
esac
