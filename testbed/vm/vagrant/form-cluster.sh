#!/bin/bash
# Vagrant provisioning step "cluster": makes this VM part of the Shoal cluster.
#   manager1          ShoalManager with its embedded ZooKeeper (SHOAL_NODE_IP:2181, API on :2377)
#   other managers    ShoalManager on manager1's ZooKeeper (a standby that leads if manager1's dies)
#   every VM          shoald with the Docker executor, joining with a worker token
# Each runs as a systemd unit (shoal-manager, shoald) on the source tree Vagrant copied to /shoal,
# built here (Maven takes its dependencies from Maven Central through Vagrant's NAT interface).
# A VM after manager1 gets its worker token by rotating it through manager1's API: the testbed's
# private network (198.18.0.0/16, no route out) is trusted here; on a real cluster give the API
# TLS (--tlscacert/--tlscert/--tlskey) or hand tokens out yourself.
# SHOAL_DRY_RUN=1 prints the units and commands instead of running them (checked by a test).
set -euo pipefail

ROLE=${SHOAL_ROLE:-}
IP=${SHOAL_NODE_IP:-}
MANAGER_IP=${SHOAL_MANAGER_IP:-}
SRC=${SHOAL_SRC:-/shoal}
STATE=${SHOAL_STATE:-/var/lib/shoal}
DRY=${SHOAL_DRY_RUN:-}
NAME=${SHOAL_NODE_NAME:-$(hostname)}

say() { printf 'shoal: %s\n' "$*"; }
die() { printf 'shoal: ERROR: %s\n' "$*" >&2; exit 1; }
ipv4() { [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]]; }

[[ $ROLE == manager || $ROLE == worker ]] || die "SHOAL_ROLE='$ROLE': expected manager or worker"
ipv4 "$IP" || die "SHOAL_NODE_IP='$IP': expected this VM's IPv4 address on the private network"
ipv4 "$MANAGER_IP" || die "SHOAL_MANAGER_IP='$MANAGER_IP': expected manager1's IPv4 address"
[[ -n $DRY || $(id -u) -eq 0 ]] || die "run as root (Vagrant's shell provisioner does)"

run() { if [[ -n $DRY ]]; then echo "+ $*"; else "$@"; fi; }

# unit NAME DESCRIPTION MAIN ARGS...: a systemd service running a Shoal main class.
unit() {
  local name=$1 what=$2 main=$3
  shift 3
  local text
  text="[Unit]
Description=Shoal $what
After=network-online.target docker.service
Wants=network-online.target

[Service]
ExecStart=/usr/bin/java -Xms32m -Xmx256m @$STATE/classpath $main $*
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target"
  if [[ -n $DRY ]]; then
    printf '== /etc/systemd/system/%s.service\n%s\n' "$name" "$text"
  else
    printf '%s\n' "$text" >"/etc/systemd/system/$name.service"
    systemctl daemon-reload
    systemctl enable --now "$name.service"
  fi
}

build() {
  say "building Shoal in $SRC (agent, manager, cli; a few minutes the first time)"
  run mkdir -p "$STATE"
  if [[ -z $DRY ]]; then
    (cd "$SRC" && mvn -B -q -DskipTests -pl agent,cli -am package dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$STATE/deps.txt")
    jar=$(ls "$SRC"/agent/target/shoal-agent-*.jar | grep -v -e sources -e tests | head -1)
    # A java argument file (java @file): the class path option, read when the unit starts.
    printf -- '-cp %s:%s\n' "$jar" "$(cat "$STATE/deps.txt")" >"$STATE/classpath"
  fi
}

shoal() { run java -jar "$SRC/cli/target/shoal.jar" --host "tcp://$MANAGER_IP:2377" "$@"; }

wait_for() { # DESCRIPTION SECONDS COMMAND...
  local what=$1 limit=$2
  shift 2
  [[ -n $DRY ]] && { echo "+ wait for $what: $*"; return 0; }
  for ((i = 0; i < limit; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  die "$what: not within ${limit}s"
}

build
if [[ $ROLE == manager && $IP == "$MANAGER_IP" ]]; then
  say "manager1 $IP: ZooKeeper $IP:2181, API $IP:2377 and /run/shoal/shoal.sock"
  unit shoal-manager "manager (embedded ZooKeeper)" io.shoal.controlplane.startup.ShoalManager \
    --state-dir "$STATE/manager" --zookeeper-listen "$IP:2181" --id "$NAME" \
    --socket /run/shoal/shoal.sock --listen "$IP:2377" --pool 100.64.0.0/10
  wait_for "the manager's API on $IP:2377" 180 curl -sf "http://$IP:2377/_ping"
elif [[ $ROLE == manager ]]; then
  say "manager $IP: a standby manager on $MANAGER_IP's ZooKeeper"
  unit shoal-manager "manager" io.shoal.controlplane.startup.ShoalManager \
    --state-dir "$STATE/manager" --zookeeper "$MANAGER_IP:2181" --id "$NAME" \
    --socket /run/shoal/shoal.sock --listen "$IP:2377" --pool 100.64.0.0/10
fi

wait_for "manager1's API on $MANAGER_IP:2377" 180 curl -sf "http://$MANAGER_IP:2377/_ping"
say "$NAME: a worker token from manager1 (rotated: tokens are shown only when made)"
if [[ -n $DRY ]]; then
  shoal swarm join-token --rotate -q worker
  token='<worker token>'
else
  token=$(java -jar "$SRC/cli/target/shoal.jar" --host "tcp://$MANAGER_IP:2377" swarm join-token --rotate -q worker)
  [[ $token == SHOALTKN-* ]] || die "manager1 gave no worker token: '$token'"
fi
unit shoald "agent" io.shoal.agent.Shoald \
  --node-id "$NAME" --hostname "$NAME" --zookeeper "$MANAGER_IP:2181" --executor docker \
  --advertise-addr "$IP" --join-token "$token" --state-dir "$STATE/agent"
wait_for "$NAME READY in 'shoal node ls'" 180 \
  sh -c "java -jar '$SRC/cli/target/shoal.jar' --host 'tcp://$MANAGER_IP:2377' node ls | grep -w '$NAME' | grep -qi ready"
say "$NAME ($ROLE, $IP) is in the cluster: journalctl -u shoald -f"
