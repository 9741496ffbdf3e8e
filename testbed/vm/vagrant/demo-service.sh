#!/bin/bash
# Vagrant provisioning step "demo" (last VM): the overlay network appnet, the service web
# (3 x busybox httpd, 8080 -> 80 published on every node), then a request to 8080 on every VM.
# SHOAL_DRY_RUN=1 prints the commands instead of running them (checked by a test).
set -euo pipefail

MANAGER_IP=${SHOAL_MANAGER_IP:-}
SRC=${SHOAL_SRC:-/shoal}
DRY=${SHOAL_DRY_RUN:-}
say() { printf 'shoal: %s\n' "$*"; }
die() { printf 'shoal: ERROR: %s\n' "$*" >&2; exit 1; }
[[ $MANAGER_IP =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "SHOAL_MANAGER_IP='$MANAGER_IP': expected manager1's IPv4 address"

shoal() {
  if [[ -n $DRY ]]; then echo "+ shoal $*"; return 0; fi
  java -jar "$SRC/cli/target/shoal.jar" --host "tcp://$MANAGER_IP:2377" "$@"
}

# exists KIND NAME: the object is there already (a provisioning step may run again).
exists() { [[ -z $DRY ]] && shoal "$1" ls -q --filter "name=$2" | grep -q .; }
exists network appnet || shoal network create appnet
exists service web ||
  shoal service create --name web --replicas 3 -p 8080:80 --network appnet shoal/busybox:test httpd -f -p 80
[[ -n $DRY ]] && { echo "+ curl http://<every node>:8080/"; exit 0; }

# Every node's underlay address, from the manager's own API (GET /nodes).
nodes=$(curl -sf "http://$MANAGER_IP:2377/nodes" | python3 -c '
import json, sys
for n in json.load(sys.stdin):
    print(((n.get("description") or {}).get("addresses") or [""])[0])' | grep . || true)
[[ -n $nodes ]] || die "no node addresses from http://$MANAGER_IP:2377/nodes"
failed=0
for addr in $nodes; do
  answer=
  for _ in $(seq 1 60); do
    answer=$(curl -s -m 2 "http://$addr:8080/" || true)
    [[ -n $answer ]] && break
    sleep 1
  done
  if [[ -n $answer ]]; then say "ok      $addr:8080 answered"; else say "FAILED  $addr:8080 did not answer"; failed=1; fi
done
shoal service ps web
exit "$failed"
