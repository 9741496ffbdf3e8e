#!/usr/bin/env bash
# Shoal provisioning: makes a Debian 12 machine ready to build, test and demo Shoal.
#
# Idempotent: every step first checks whether it is already done, so running it twice costs
# about a second. Used by ./demo.sh, ./test.sh, CI (.ci/run) and later the VM testbed.
#
#   sudo testbed/provision.sh
#
# Steps:
#   1. Debian packages (apt-get update runs once, only when a package is missing).
#   2. dockerd, started in the background without systemd, with --bridge=none and
#      --iptables=false so that it creates no bridge, no address and no firewall rule outside
#      the test address plan (see ../shared/TESTBED.md). Log: /var/log/shoal-dockerd.log.
#   3. The local test image shoal/busybox:test, imported from busybox-static (no registry).
set -euo pipefail

PACKAGES=(
  iproute2 nftables docker.io busybox-static bind9-dnsutils curl libpcap0.8 socat procps psmisc
  openjdk-17-jdk-headless maven
  unbound dnsperf python3 haproxy openssl
  user-mode-linux debootstrap e2fsprogs ruby qemu-system-x86 qemu-utils
)
IMAGE=shoal/busybox:test
APPLETS=(sh httpd nslookup wget nc ip sleep cat echo hostname ls ps kill)
DOCKERD_LOG=/var/log/shoal-dockerd.log
DOCKERD_WAIT_SECONDS=60

say() { printf '[provision] %s\n' "$*"; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0): it installs packages and starts dockerd"

installed() {
  # dpkg-query prints "install ok installed" only for a fully installed package.
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    say "packages: all ${#PACKAGES[@]} present"
    return
  fi
  say "packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Installing docker.io would start dockerd with its defaults (a docker0 bridge in 172.17.0.0/16
  # and iptables rules), outside the test address plan. policy-rc.d exit 101 tells maintainer
  # scripts not to start any daemon; start_dockerd below starts it with the right flags.
  local policy=/usr/sbin/policy-rc.d made_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
  fi
  local status=0
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } || status=$?
  [[ -z $made_policy ]] || rm -f "$policy"
  ((status == 0)) || die "apt-get failed (status $status) installing: ${missing[*]}"
}

docker_answers() {
  timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start_dockerd() {
  if docker_answers; then
    say "dockerd: running ($(docker version --format '{{.Server.Version}}'))"
    return
  fi
  # A dockerd that exists but does not answer (still starting, or wedged) must not get a twin.
  if pgrep -x dockerd >/dev/null; then
    say "dockerd: a dockerd process exists but does not answer yet; waiting for it"
  else
    say "dockerd: starting (--bridge=none --iptables=false --ip6tables=false, log $DOCKERD_LOG)"
    # setsid + nohup: the daemon outlives this script and the terminal that ran it.
    setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false \
      >>"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  local waited=0
  until docker_answers; do
    ((waited < DOCKERD_WAIT_SECONDS)) || {
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer within ${DOCKERD_WAIT_SECONDS}s (see $DOCKERD_LOG)"
    }
    sleep 1
    waited=$((waited + 1))
  done
  say "dockerd: answering after ${waited}s"
}

build_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "image: $IMAGE present"
    return
  fi
  local busybox=/bin/busybox
  [[ -x $busybox ]] || die "$busybox missing (package busybox-static)"
  # A dynamically linked busybox (package 'busybox') would not run in an empty image.
  if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static (it replaces busybox)"
  fi
  local dir
  dir=$(mktemp -d /tmp/shoal-busybox.XXXXXX)
  chmod 755 "$dir" # becomes the image's /, which mktemp made private
  # shellcheck disable=SC2064 # expand $dir now: it is local
  trap "rm -rf '$dir'" RETURN
  mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp"
  cp "$busybox" "$dir/bin/busybox"
  for applet in "${APPLETS[@]}"; do
    ln -s busybox "$dir/bin/$applet"
  done
  tar -C "$dir" -c . | docker import \
    --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  say "image: built $IMAGE from busybox-static ($(docker image inspect -f '{{.Size}}' "$IMAGE") bytes)"
}

install_packages
start_dockerd
build_image
say "ready"
