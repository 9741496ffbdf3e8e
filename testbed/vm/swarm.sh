#!/bin/bash
# Docker Swarm on the VM testbed's guests: the peer Shoal is compared with. As root:
#
#   testbed/vm/swarm.sh up N        boot N guests, install Debian's docker.io and crun in each,
#                                   swarm init in guest 1, join the others; prints the run
#   testbed/vm/swarm.sh demo [RUN]  service web (3 x busybox httpd, 8080 -> 80), then check every
#                                   guest's 8080 from the fabric and 9 requests' spread
#   testbed/vm/swarm.sh docker [-r RUN] I ARGS...   the docker CLI in guest I
#   testbed/vm/down.sh RUN          everything goes
#
# The image stays as it is: docker.io, crun and what they need that the image lacks are fetched
# on the host with apt-get (--download-only against the image tree's dpkg status) into the share
# and installed in each guest with dpkg (about 3 minutes per guest on 2 loaded cores).
# What Docker needs under Debian's UML kernel (see README.md, "Docker Swarm in the guests"):
# iptables-legacy (the kernel has no nftables ip family), the xt_* modules loaded by hand (no
# autoload of iptables extensions seen), crun as the default runtime and no userland proxy when
# the guests run with shoal_fpu=fxsr (runc and docker-proxy are Go programs that start with a
# clean environment, so GODEBUG cannot switch their AVX off).
# Checks print "CHECK ok|FAILED <name>: ..."; timings "TIME <what>=<seconds>" on stderr.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

say() { echo "[vm-swarm] $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
guest_run() { "$HERE/exec.sh" -r "$RUN" "$@"; }
fabric() { ip netns exec "$(fabric_ns "$RUN")" "$@"; }

# Every guest: the packages, the modules, cgroup2, containerd and dockerd, the busybox image.
GUEST_SETUP='
set -e
printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
dpkg -i /shoal/debs/*.deb >/tmp/dpkg.log 2>&1 || { tail -20 /tmp/dpkg.log; exit 1; }
update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null
for m in overlay br_netfilter ip_tables iptable_nat iptable_filter iptable_mangle ip_vs ip_vs_rr \
  vxlan veth bridge xfrm_user esp4 xt_tcpudp xt_REDIRECT xt_nat xt_MASQUERADE xt_multiport xt_u32 \
  xt_comment xt_mark xt_ipvs xt_conntrack xt_addrtype; do modprobe $m || echo "$(hostname): no module $m"; done
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
setsid nohup containerd >/shoal/logs/containerd-$(hostname).log 2>&1 </dev/null &
for i in $(seq 60); do [ -S /run/containerd/containerd.sock ] && break; sleep 1; done
setsid nohup dockerd --containerd=/run/containerd/containerd.sock --add-runtime crun=/usr/bin/crun \
  --default-runtime crun --userland-proxy=false >/shoal/logs/dockerd-$(hostname).log 2>&1 </dev/null &
for i in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null
d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/busybox
for a in sh httpd nslookup wget nc ip sleep cat echo hostname ls ps kill; do ln -s busybox $d/bin/$a; done
tar -C $d -c . | docker import - shoal/busybox:test >/dev/null
echo "$(hostname): $(docker version -f "{{.Server.Version}}") ($(docker info -f "{{.DefaultRuntime}} {{.Driver}} cgroup{{.CgroupVersion}}"))"
'

cmd_up() {
  (($# == 1)) && [[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 20)) || die "usage: swarm.sh up N (1..20 guests)"
  local n=$1 t0 state share tree debs
  t0=$(now)
  tree=$("$HERE/image.sh" --paths | head -1)
  export SHOAL_VM_MEM=${SHOAL_VM_MEM:-1G}
  RUN=$("$HERE/up.sh" "$n")
  state=$(state_dir "$RUN")
  trap 'say "failed; logs in $share/logs (kept until down.sh $RUN)"' ERR
  echo "TIME boot=$(since "$t0")" >&2
  share=$(sed -n 's/^SHARE=//p' "$state/env")
  debs=$share/debs
  mkdir -p "$debs/partial" "$share/logs"
  # What docker.io and crun need beyond the image: apt resolves against the image tree's status.
  apt-get -q -o Dir::State::status="$tree/var/lib/dpkg/status" -o Dir::Cache::archives="$debs" \
    -o Debug::NoLocking=1 --no-install-recommends --download-only -y install docker.io crun >&2
  rmdir "$debs/partial" 2>/dev/null || true
  say "installing $(ls "$debs" | wc -l) packages in $n guests"
  local pids=() i
  for ((i = 1; i <= n; i++)); do
    guest_run -t 900 "$i" "$GUEST_SETUP" >&2 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  echo "TIME docker=$(since "$t0")" >&2
  guest_run 1 'docker swarm init --advertise-addr 198.18.0.1 >/dev/null && docker swarm join-token -q worker' \
    >"$state/swarm.token"
  for ((i = 2; i <= n; i++)); do
    guest_run "$i" "docker swarm join --advertise-addr 198.18.0.$i --token $(cat "$state/swarm.token") 198.18.0.1:2377" >&2
  done
  guest_run 1 'docker node ls' >&2
  touch "$state/swarm"
  echo "TIME swarm=$(since "$t0")" >&2
  echo "$RUN"
}

failures=0
check() { # check ok|FAILED NAME DETAIL
  [[ $1 == FAILED ]] && failures=$((failures + 1))
  echo "CHECK $1 $2: $3"
}

cmd_demo() {
  RUN=$(resolve_run "${1:-}")
  local state n t0 out bodies
  state=$(state_dir "$RUN")
  [[ -f $state/swarm ]] || die "run $RUN has no swarm (swarm.sh up)"
  n=$(sed -n 's/^N=//p' "$state/env")
  t0=$(now)
  # The guest's GLIBC_TUNABLES goes into the containers too (AVX off, see README.md).
  guest_run -t 300 1 'docker service inspect web >/dev/null 2>&1 ||
    docker service create -d --name web --replicas 3 -p 8080:80 -e GLIBC_TUNABLES="$GLIBC_TUNABLES" \
      --stop-grace-period 1s shoal/busybox:test sh -c "hostname > /index.html; exec httpd -f -p 80 -h /" >/dev/null 2>&1
    for i in $(seq 240); do [ "$(docker service ls --filter name=web --format "{{.Replicas}}")" = 3/3 ] && exit 0; sleep 1; done
    docker service ps --no-trunc web; exit 1' >&2
  echo "TIME running=$(since "$t0")" >&2
  for ((i = 1; i <= n; i++)); do
    out=
    for _ in $(seq 30); do
      out=$(fabric curl -sS --connect-timeout 2 --max-time 3 "http://198.18.0.$i:8080/" 2>&1) && break
      sleep 1
    done
    if [[ $out =~ ^[0-9a-f]{12}$ ]]; then
      check ok "published-vm$i" "198.18.0.$i:8080 answered $out"
    else
      check FAILED "published-vm$i" "198.18.0.$i:8080: $(tr '\n' ' ' <<<"$out")"
    fi
  done
  echo "TIME answering=$(since "$t0")" >&2
  bodies=$(for _ in 1 2 3 4 5 6 7 8 9; do
    fabric curl -sS --connect-timeout 2 --max-time 3 "http://198.18.0.$n:8080/" 2>/dev/null || echo "(none)"
  done)
  if [[ $(grep -c '^[0-9a-f]\{12\}$' <<<"$bodies") -eq 9 && $(sort -u <<<"$bodies" | wc -l) -eq 3 ]]; then
    check ok mesh-spread "9 requests to vm$n:8080 reached 3 replicas: $(sort <<<"$bodies" | uniq -c | tr -s ' ' | tr '\n' ',')"
  else
    check FAILED mesh-spread "9 requests to vm$n:8080: $(sort <<<"$bodies" | uniq -c | tr -s ' ' | tr '\n' ',')"
  fi
  out=$(guest_run 1 'nsenter --net=/run/docker/netns/ingress_sbox ipvsadm -Ln' 2>&1 || true)
  if grep -q '^FWM' <<<"$out"; then
    check ok ingress-ipvs "the ingress sandbox balances with IPVS: $(grep -A3 '^FWM' <<<"$out" | tr -s ' ' | tr '\n' ';')"
  else
    check FAILED ingress-ipvs "no IPVS firewall-mark service in the ingress sandbox: $(tr '\n' ' ' <<<"$out")"
  fi
  echo "TIME demo=$(since "$t0")" >&2
  ((failures == 0))
}

command=${1:-}
(($#)) && shift
case $command in
  up) cmd_up "$@" ;;
  demo) cmd_demo "$@" ;;
  docker)
    run=
    [[ ${1:-} == -r ]] && { run=$2; shift 2; }
    (($# >= 1)) || die "usage: swarm.sh docker [-r RUN] I ARGS..."
    RUN=$(resolve_run "$run")
    i=$1
    shift
    guest_run "$i" "docker $(printf '%q ' "$@")"
    ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
