#!/bin/bash
# A Shoal cluster across the VM testbed's guests (real Linux 6.1 kernels with IPVS). As root:
#
#   testbed/vm/cluster.sh up N             boot N guests (up.sh N), a manager with its embedded
#                                          ZooKeeper in guest 1, shoald in every guest; prints the run
#   testbed/vm/cluster.sh demo [RUN]       publish a service and check it (below); exit 1 if a check fails
#   testbed/vm/cluster.sh status [RUN]     nodes, services, tasks, the daemons in each guest
#   testbed/vm/cluster.sh api [-r RUN] METHOD PATH [JSON]   the manager's HTTP API
#   testbed/vm/cluster.sh task-exec [-r RUN] SERVICE CMD... a command in a task's network namespace
#   testbed/vm/cluster.sh down [RUN]       = down.sh: every guest, tap, the bridge and namespace go
#
# Guest i is node vm<i> at 198.18.0.i. Guest 1 runs io.shoal.controlplane.startup.ShoalManager
# (ZooKeeper 198.18.0.1:2181, API 198.18.0.1:2377 and /run/shoal/shoal.sock, pool 100.64.0.0/10);
# guest i runs io.shoal.agent.Shoald --executor process (there is no Docker engine in the guests)
# with the worker join token; the balancer is what Shoal's probe picks (IPVS: the guest kernel
# has it). Both run the guest's own JRE 17 on jars copied into the share (/shoal/cp); logs are
# written to the share (<share>/logs/<name>.log), so the host reads them while the guests run.
#
# demo: network appnet; service web (3 replicas of busybox httpd, each serving "<guest>/<pid>",
# port 8080 -> 80 published on every node) and service client (1 idle shell); then checks, from
# the fabric namespace (the host's end of the bridge, 198.18.255.254), that 8080 answers on every
# guest's address and that 9 requests to one guest reach all 3 replicas, and inside the client
# task that `web` resolves to the VIP through the embedded DNS (getent, i.e. the task's resolver),
# `tasks.web` to the 3 task addresses, that the VIP answers from all 3 replicas, and that the VIP
# is an IPVS virtual service over the 3 task addresses (ipvsadm -Ln in the task's namespace).
# Each check prints "CHECK ok|FAILED <name>: <detail>"; timings print as "TIME <what>=<seconds>".
#
# Environment: SHOAL_VM_CLASSPATH (host class path to run, ':'-separated; default the agent jar
# and agent/target/cluster-classpath.txt, built like testbed/cluster.sh does), SHOAL_VM_MEM
# (default 1G here), SHOAL_JAVA_OPTS, SHOAL_GRACE (manager --grace, default 10), and up.sh's.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

JAVA_OPTS=${SHOAL_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m -Xms32m -Xmx256m}
GRACE=${SHOAL_GRACE:-10}
WAIT=${SHOAL_VM_CLUSTER_WAIT:-180}
API_PORT=2377

say() { echo "[vm-cluster] $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Every guest loads these before shoald starts: IPVS and its schedulers (the balancer; the
# generic-netlink family does not load ip_vs on demand) and vxlan/veth/bridge (overlays). A
# missing one is reported, not fatal here: the agent names what it cannot do. Debian's UML kernel
# has no nftables "ip"/"inet" family (CONFIG_NF_TABLES_IPV4 and _INET are off; only "bridge"), so
# nothing here may use nftables: the agents' embedded DNS binds port 53 itself (--dns-port53
# direct) instead of an nftables redirect, and the balancer is IPVS.
MODULES="ip_vs ip_vs_rr ip_vs_wrr ip_vs_mh ip_vs_sh ip_vs_lc nf_conntrack veth bridge vxlan"

guest_run() { "$HERE/exec.sh" -r "$RUN" "$@"; }
fabric() { ip netns exec "$(fabric_ns "$RUN")" "$@"; }

# api METHOD PATH [JSON]: the manager's API over TCP from the fabric namespace. Body on stdout;
# fails on a transport error or a 4xx/5xx.
api() {
  local method=$1 path=$2 body=${3:-} out code
  local args=(-sS --max-time 15 -X "$method" -w '\n%{http_code}')
  [[ -z $body ]] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  out=$(fabric curl "${args[@]}" "http://198.18.0.1:$API_PORT$path") || return 1
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  printf '%s\n' "$out"
  [[ $code =~ ^2 ]]
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

wait_for() { # wait_for WHAT SECONDS COMMAND...
  local what=$1 seconds=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      say "$what: not within ${seconds}s; logs in $SHARE/logs/"
      for f in "$SHARE"/logs/*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
      return 1
    fi
    sleep 1
  done
}

host_classpath() {
  if [[ -n ${SHOAL_VM_CLASSPATH:-} ]]; then
    echo "$SHOAL_VM_CLASSPATH"
    return
  fi
  local jar cpfile=$ROOT/agent/target/cluster-classpath.txt stale=
  jar=$(ls "$ROOT"/agent/target/shoal-agent-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1 || true)
  [[ -f $cpfile ]] && stale=$(find "$ROOT" -maxdepth 2 -name pom.xml -newer "$cpfile" | head -1)
  if [[ -z $jar || ! -f $cpfile || -n $stale ]]; then
    say "building the agent and its class path (mvn -B -q -DskipTests -pl agent -am package dependency:build-classpath)"
    (cd "$ROOT" && mvn -B -q -DskipTests -pl agent -am package dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile=target/cluster-classpath.txt >&2)
    jar=$(ls "$ROOT"/agent/target/shoal-agent-*.jar | grep -v -e sources -e tests | head -1)
  fi
  printf '%s:%s\n' "$jar" "$(cat "$cpfile")"
}

# Copies every class path entry into <share>/cp and prints the class path as the guests see it.
share_classpath() {
  local entries entry n=0 name guest=()
  IFS=: read -r -a entries <<<"$(host_classpath)"
  mkdir -p "$SHARE/cp"
  for entry in "${entries[@]}"; do
    [[ -e $entry ]] || continue
    name=$(printf '%02d-%s' "$n" "$(basename "$entry")")
    n=$((n + 1))
    cp -r "$entry" "$SHARE/cp/$name"
    guest+=("/shoal/cp/$name")
  done
  ((n > 0)) || { say "no class path entries to copy"; return 1; }
  (IFS=:; echo "${guest[*]}")
}

load_run() {
  RUN=$(resolve_run "${1:-}")
  local state
  state=$(state_dir "$RUN")
  [[ -f $state/env ]] || die "run $RUN has no state ($state/env)"
  SHARE=$(sed -n 's/^SHARE=//p' "$state/env")
  N=$(sed -n 's/^N=//p' "$state/env")
  [[ -f $state/cluster ]] || die "run $RUN has no Shoal cluster (cluster.sh up)"
}

# start_jvm I NAME MAIN ARGS...: a detached JVM in guest I, its log in the share.
start_jvm() {
  local i=$1 name=$2 main=$3
  shift 3
  guest_run "$i" <<EOF
mkdir -p /run/shoal /shoal/logs
cd /
setsid nohup java $JAVA_OPTS -Dlogback.configurationFile=/shoal/logback.xml -cp $GUEST_CP \\
  $main $* >/shoal/logs/$name.log 2>&1 </dev/null &
echo \$! >/run/shoal/$name.pid
EOF
}

nodes_ready() {
  local n
  n=$(api GET /nodes | json "print(sum(1 for n in d if n['status']['state'] == 'ready'))")
  [[ $n -eq $N ]]
}

cmd_up() {
  (($# == 1)) && [[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 20)) || die "usage: cluster.sh up N (1..20 guests)"
  N=$1
  local t0 tboot tmods tmgr
  t0=$(now)
  export SHOAL_VM_MEM=${SHOAL_VM_MEM:-1G}
  RUN=$("$HERE/up.sh" "$N")
  local state
  state=$(state_dir "$RUN")
  trap 'say "failed; logs in $SHARE/logs (kept until down.sh $RUN)"' ERR
  echo "TIME boot=$(since "$t0")" >&2
  tboot=$(now)
  SHARE=$(sed -n 's/^SHARE=//p' "$state/env")
  GUEST_CP=$(share_classpath)
  cp "$ROOT/testbed/cluster-logback.xml" "$SHARE/logback.xml"
  mkdir -p "$SHARE/logs"

  # Kernel pieces, and the resolver every task process uses: process tasks share the guest's
  # files, so /etc/resolv.conf is theirs too; 127.0.0.11 is the embedded DNS inside each task's
  # namespace (as Docker writes it into containers). Nothing on the guest itself resolves names.
  for ((i = 1; i <= N; i++)); do
    guest_run "$i" <<EOF
missing=
for m in $MODULES; do modprobe \$m 2>/dev/null || missing="\$missing \$m"; done
[ -z "\$missing" ] || echo "guest $i: modules not loaded:\$missing"
echo "nameserver 127.0.0.11" >/etc/resolv.conf
test -e /proc/net/ip_vs
EOF
  done
  echo "TIME modules=$(since "$tboot")" >&2
  tmods=$(now)

  say "manager in guest 1: ZooKeeper 198.18.0.1:2181, API 198.18.0.1:$API_PORT"
  start_jvm 1 manager io.shoal.controlplane.startup.ShoalManager \
    --state-dir /var/lib/shoal/manager --zookeeper-listen 198.18.0.1:2181 --id m1 \
    --socket /run/shoal/shoal.sock --listen "198.18.0.1:$API_PORT" --pool 100.64.0.0/10 --grace "$GRACE"
  wait_for "the manager's join token" "$WAIT" grep -q 'worker:' "$SHARE/logs/manager.log"
  local token
  token=$(sed -n 's/^ *worker: *\(SHOALTKN[^ ]*\).*/\1/p' "$SHARE/logs/manager.log" | head -1)
  [[ -n $token ]] || die "no worker token in $SHARE/logs/manager.log"
  (umask 077 && echo "$token" >"$state/worker.token")
  wait_for "the manager's API" "$WAIT" api GET /healthz
  echo "TIME manager=$(since "$tmods")" >&2
  tmgr=$(now)

  for ((i = 1; i <= N; i++)); do
    say "shoald in guest $i: node vm$i, advertise 198.18.0.$i, process executor"
    start_jvm "$i" "shoald-vm$i" io.shoal.agent.Shoald \
      --node-id "vm$i" --hostname "vm$i" --zookeeper 198.18.0.1:2181 --executor process \
      --advertise-addr "198.18.0.$i" --join-token "$token" --state-dir /var/lib/shoal/agent \
      --dns-upstream "$SHOAL_VM_HOST_IP:53" --dns-port53 direct
  done
  wait_for "$N nodes READY" "$WAIT" nodes_ready
  echo "TIME agents=$(since "$tmgr")" >&2
  touch "$state/cluster"
  echo "TIME cluster=$(since "$t0")" >&2
  say "cluster of $N guests up (run $RUN): API http://198.18.0.1:$API_PORT from namespace $(fabric_ns "$RUN")"
  echo "$RUN"
}

running() { # running SERVICE: how many of its tasks are wanted and reported RUNNING
  api GET "/tasks?service=$1" | json "
print(sum(1 for t in d if t['desiredState'] == 'running' and (t.get('reportedStatus') or {}).get('state') == 'running'))"
}

# task_of SERVICE: "<node index> <task id>" of its first running task.
task_of() {
  local sid
  sid=$(api GET "/services/$1" | json "print(d['meta']['id'])")
  api GET "/tasks?service=$sid" | json "
for t in d:
    if t['desiredState'] == 'running' and (t.get('reportedStatus') or {}).get('state') == 'running':
        print(t['nodeId'][2:], t['meta']['id']); break"
}

# in_task SERVICE CMD: a shell command inside the network namespace of SERVICE's first task.
in_task() {
  local where
  where=$(task_of "$1")
  [[ -n $where ]] || { echo "no running task of $1"; return 1; }
  guest_run "${where%% *}" "nsenter --net=/run/netns/shoal-${where#* } -- sh -c $(printf %q "$2")"
}

failures=0
check() { # check ok|known|FAILED NAME DETAIL (known: a documented limitation, not a failure)
  [[ $1 == FAILED ]] && failures=$((failures + 1))
  echo "CHECK $1 $2: $3"
}
spread() { sort | uniq -c | awk '{printf "%s%s x%d", sep, $2, $1; sep=", "}'; }

cmd_demo() {
  load_run "${1:-}"
  local t0 out bodies vip task_ips got
  t0=$(now)
  # A second demo on the same cluster checks what the first one made.
  api GET /networks/appnet >/dev/null 2>&1 || api POST /networks '{"name":"appnet"}' >/dev/null
  # Process tasks share the guest's files: each httpd serves a directory of its own holding
  # "<guest>/<pid>", so an answer names the replica that gave it.
  api GET /services/web >/dev/null 2>&1 || api POST /services '{"name":"web",
    "task":{"container":{"image":"none","stopGracePeriod":1,
      "args":["sh","-c","d=/tmp/web-$$; mkdir -p $d; echo $(hostname)/$$ >$d/index.html; exec busybox httpd -f -p 80 -h $d"]},
      "networks":[{"target":"appnet"}]},
    "mode":{"kind":"replicated","replicas":3},
    "endpoint":{"ports":[{"protocol":"tcp","publishedPort":8080,"targetPort":80}]}}' >/dev/null
  api GET /services/client >/dev/null 2>&1 || api POST /services '{"name":"client",
    "task":{"container":{"image":"none","stopGracePeriod":1,
      "args":["sh","-c","trap \"exit 0\" TERM; while true; do sleep 1; done"]},
      "networks":[{"target":"appnet"}]},
    "mode":{"kind":"replicated","replicas":1}}' >/dev/null
  say "network appnet, services web (3 x httpd, 8080 -> 80) and client (1 idle shell)"
  ready() { [[ $(running web) -eq 3 && $(running client) -eq 1 ]]; }
  wait_for "web 3/3 and client 1/1 RUNNING" "$WAIT" ready || true
  echo "TIME running=$(since "$t0")" >&2

  # Every guest's published port, from the fabric (the first answer may follow RUNNING by a moment).
  for ((i = 1; i <= N; i++)); do
    answered() { fabric curl -sS --connect-timeout 2 --max-time 3 "http://198.18.0.$1:8080/"; }
    wait_for "198.18.0.$i:8080" 30 answered "$i" || true
    if out=$(answered "$i" 2>&1); then
      check ok "published-vm$i" "198.18.0.$i:8080 answered $out"
    else
      check FAILED "published-vm$i" "198.18.0.$i:8080: $(echo "$out" | tr '\n' ' ')"
    fi
  done
  echo "TIME answering=$(since "$t0")" >&2
  bodies=$(for _ in 1 2 3 4 5 6 7 8 9; do
    fabric curl -sS --connect-timeout 2 --max-time 3 "http://198.18.0.$N:8080/" 2>/dev/null || echo "(none)"
  done)
  if [[ $(grep -vc '(none)' <<<"$bodies") -eq 9 && $(sort -u <<<"$bodies" | wc -l) -eq 3 ]]; then
    check ok mesh-spread "9 requests to vm$N:8080 reached 3 replicas: $(spread <<<"$bodies")"
  else
    check FAILED mesh-spread "9 requests to vm$N:8080: $(spread <<<"$bodies") (expected 3 replicas, no failure)"
  fi

  local appnet
  appnet=$(api GET /networks/appnet | json "print(d['meta']['id'])")
  vip=$(api GET /services/web | json "
print(' '.join(v['address'].split('/')[0] for v in d['endpoint']['virtualIps'] if v['networkId'] == '$appnet'))")
  task_ips=$(api GET /tasks?service=web | json "
print(' '.join(sorted(t['addresses']['$appnet'].split('/')[0] for t in d
    if t['desiredState'] == 'running' and (t.get('reportedStatus') or {}).get('state') == 'running'
        and '$appnet' in t.get('addresses', {}))))")
  echo "FACT vip=$vip tasks=$task_ips"
  # getent asks the task's resolver (the guest's /etc/resolv.conf: 127.0.0.11), i.e. the embedded
  # DNS server bound inside the client task's namespace.
  got=$(in_task client 'getent ahostsv4 web' 2>&1 | awk '/STREAM/ {print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//' || true)
  if [[ -n $vip && $got == "$vip" ]]; then
    check ok dns-web "web -> $got (the VIP on appnet), resolved inside the client task"
  else
    check FAILED dns-web "web -> '$got' (expected the VIP '$vip')"
  fi
  got=$(in_task client 'getent ahostsv4 tasks.web' 2>&1 | awk '/STREAM/ {print $1}' | sort | tr '\n' ' ' | sed 's/ $//' || true)
  if [[ -n $task_ips && $got == "$task_ips" ]]; then
    check ok dns-tasks "tasks.web -> $got (every replica on appnet)"
  else
    check FAILED dns-tasks "tasks.web -> '$got' (expected '$task_ips')"
  fi
  # Through the VIP from the client task. Shoal's IPVS balancer programs each VIP as an all-ports
  # ("port zero") virtual service, which IPVS schedules only when persistent, and a persistence
  # template lives as long as a connection it placed (TIME_WAIT: 120 s): one client's requests
  # stay on one replica. The check therefore wants every request answered by a replica; that
  # they came from one replica is reported as "known", not hidden (see testbed/vm/README.md).
  bodies=$(in_task client 'for i in 1 2 3 4 5 6; do curl -sS --connect-timeout 2 --max-time 3 http://web/ || echo "(none)"; done' 2>&1 || true)
  local answered distinct
  answered=$(grep -c '^vm[0-9]*/[0-9]*$' <<<"$bodies" || true)
  distinct=$(grep '^vm[0-9]*/[0-9]*$' <<<"$bodies" | sort -u | wc -l)
  if ((answered == 6 && distinct == 3)); then
    check ok vip "6 requests to http://web/ (the VIP) from the client task reached 3 replicas: $(spread <<<"$bodies")"
  elif ((answered == 6)); then
    check known vip "6 requests to http://web/ (the VIP) from the client task all answered, by $distinct replica(s): $(spread <<<"$bodies") (IPVS all-ports persistence keeps one client on one replica)"
  else
    check FAILED vip "6 requests to http://web/ from the client task: $(tr '\n' ' ' <<<"$bodies") (expected 6 answers)"
  fi
  # The VIP is an IPVS virtual service in the client task's namespace, over the 3 task addresses.
  out=$(in_task client 'ipvsadm -Ln' 2>&1 || true)
  got=$(awk -v vip="$vip" '$1 == "TCP" || $1 == "UDP" { cur = $2 } $1 == "->" && cur ~ "^" vip ":" && $2 ~ /^[0-9]/ { sub(/:.*/, "", $2); print $2 }' <<<"$out" | sort -u | tr '\n' ' ' | sed 's/ $//')
  if [[ -n $vip && $got == "$task_ips" ]]; then
    check ok ipvs "ipvsadm -Ln in the client task: VIP $vip -> $got"
  else
    check FAILED ipvs "ipvsadm -Ln in the client task: VIP '$vip' -> '$got' (expected '$task_ips'); $(head -c 600 <<<"$out" | tr '\n' ' ')"
  fi
  if grep -h 'service balancing uses' "$SHARE"/logs/shoald-vm*.log | grep -q IPVS; then
    check ok balancer "$(grep -h 'service balancing uses' "$SHARE"/logs/shoald-vm*.log | sed 's/.* -- //' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  else
    check FAILED balancer "the agents did not log IPVS as their balancer: $(grep -h 'service balancing uses' "$SHARE"/logs/shoald-vm*.log | sort -u | tr '\n' ';')"
  fi
  echo "TIME demo=$(since "$t0")" >&2
  ((failures == 0)) || { say "$failures check(s) failed; logs in $SHARE/logs"; return 1; }
}

cmd_status() {
  load_run "${1:-}"
  echo "== run $RUN: $N guests, share $SHARE"
  for ((i = 1; i <= N; i++)); do
    printf 'vm%s: ' "$i"
    guest_run "$i" 'for f in /run/shoal/*.pid; do [ -e "$f" ] || continue; n=$(basename "$f" .pid); p=$(cat "$f"); if kill -0 "$p" 2>/dev/null; then printf "%s pid %s RSS %s kB; " "$n" "$p" "$(awk "/VmRSS/ {print \$2}" /proc/$p/status)"; else printf "%s NOT RUNNING; " "$n"; fi; done; echo' || echo "(no answer)"
  done
  echo "== nodes"
  api GET /nodes | json "
for n in d: print('%-6s %-8s %s' % (n['meta']['id'], n['status']['state'], ','.join(n['description']['addresses'])))" || true
  echo "== services"
  api GET /services | json "
for s in d: print(s['spec']['name'], ' '.join(v['address'] for v in s.get('endpoint', {}).get('virtualIps', [])))" || true
  echo "== tasks"
  api GET /tasks | json "
for t in d:
    r = t.get('reportedStatus') or {}
    print('%-34s %-5s %-9s %s %s' % (t['meta']['id'], t['nodeId'], r.get('state', '-'), ' '.join(t.get('addresses', {}).values()), r.get('error', '')))" || true
}

command=${1:-}
(($#)) && shift
case $command in
  up) cmd_up "$@" ;;
  demo) cmd_demo "$@" ;;
  status) cmd_status "$@" ;;
  api)
    run=
    [[ ${1:-} == -r ]] && { run=$2; shift 2; }
    (($# >= 2)) || die "usage: cluster.sh api [-r RUN] METHOD PATH [JSON]"
    load_run "$run"
    api "$@"
    ;;
  task-exec)
    run=
    [[ ${1:-} == -r ]] && { run=$2; shift 2; }
    (($# >= 2)) || die "usage: cluster.sh task-exec [-r RUN] SERVICE CMD..."
    load_run "$run"
    service=$1
    shift
    in_task "$service" "$*"
    ;;
  down) exec "$HERE/down.sh" "$@" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
