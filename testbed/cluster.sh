#!/usr/bin/env bash
# A real Shoal cluster on this machine, for people. As root:
#
#   testbed/cluster.sh up [N]               N hosts (default 3): a manager on h1, shoald on every host
#   testbed/cluster.sh status               hosts, processes, nodes, services, tasks, containers
#   testbed/cluster.sh api GET /services    the manager's HTTP API (curl on its unix socket)
#   testbed/cluster.sh api POST /services '{"name":"web",...}'
#   testbed/cluster.sh scale web 6           set a replicated service's replica count
#   testbed/cluster.sh exec h2|client CMD...   a command inside a host or the client namespace
#   testbed/cluster.sh task-exec SERVICE|TASK CMD...   a command inside a task's network namespace
#   testbed/cluster.sh cut h2 | heal h2     pull h2's cable / plug it back in
#   testbed/cluster.sh down                 kill everything, remove containers and namespaces (idempotent)
#
# The hosts are the namespace testbed's (testbed.sh up N, plus a client namespace 198.18.1.1). Host 1
# runs the manager (io.shoal.controlplane.startup.ShoalManager: embedded ZooKeeper on
# 198.18.0.1:2181, API on 198.18.0.1:2377 and on /run/shoal-demo/shoal.sock, address pool
# 100.64.0.0/10); host i runs shoald (io.shoal.agent.Shoald, --executor docker, node id
# <prefix>-h<i>, advertise 198.18.0.i, the worker join token, its namespaces named <prefix>-s<i>-*
# (overlay sandboxes) and <prefix>-t<i>-* (tasks), external names forwarded to 198.18.1.1:53, the
# client namespace, never to the machine's resolvers). Every process is a JVM started
# detached (setsid nohup nsenter --net=...) from the agent module's jar and its runtime class path;
# the cluster stays up after this script returns. Pid files, logs, the join token and the manager's
# state live in /run/shoal-demo/ (emptied at boot, like the namespaces).
#
# Environment: SHOAL_JAVA_OPTS (default "-XX:+UseSerialGC -Xms32m -Xmx256m -XX:MinHeapFreeRatio=10
# -XX:MaxHeapFreeRatio=30": a small heap that grows on demand and gives memory back after a full
# GC), SHOAL_GRACE (manager
# --grace seconds, default 10).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
STATE=/run/shoal-demo
SOCK=$STATE/shoal.sock
TESTBED_STATE=/run/shoal-testbed
CP_FILE=$root/agent/target/cluster-classpath.txt
JAVA_OPTS=${SHOAL_JAVA_OPTS:--XX:+UseSerialGC -Xms32m -Xmx256m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30}
GRACE=${SHOAL_GRACE:-10}
WAIT_SECONDS=90

say() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0): it makes network namespaces and starts daemons"

prefix() { [[ -f $STATE/prefix ]] && cat "$STATE/prefix" || true; }
hosts() { cat "$STATE/hosts"; }

# The API through the manager's unix socket: api METHOD PATH [JSON]. Prints the body; fails on 4xx/5xx.
api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-sS --max-time 15 --unix-socket "$SOCK" -X "$method" -w '\n%{http_code}')
  [[ -z $body ]] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local out code
  out=$(curl "${args[@]}" "http://shoal$path") || return 1
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  printf '%s\n' "$out"
  [[ $code =~ ^2 ]]
}

# A python3 one-liner over the JSON on stdin (jq is not provisioned; python3 is).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

classpath() {
  local jar
  jar=$(ls "$root"/agent/target/shoal-agent-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1 || true)
  local stale=
  if [[ -f $CP_FILE ]]; then
    # The class path changes only when a pom does.
    stale=$(find "$root" -maxdepth 2 -name pom.xml -newer "$CP_FILE" | head -1)
  fi
  if [[ -z $jar || ! -f $CP_FILE || -n $stale ]]; then
    say "building the agent and its class path (mvn -B -q -DskipTests -pl agent -am package dependency:build-classpath)" >&2
    (cd "$root" && mvn -B -q -DskipTests -pl agent -am package dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile=target/cluster-classpath.txt 2>&1 |
      sed -u "s/\x1b\[[0-9;]*m//g" >&2)
    jar=$(ls "$root"/agent/target/shoal-agent-*.jar | grep -v -e sources -e tests | head -1)
  fi
  printf '%s:%s' "$jar" "$(cat "$CP_FILE")"
}

# launch NAME NAMESPACE MAIN ARGS...: a detached JVM inside NAMESPACE. setsid, nohup and nsenter
# each exec the next program, so the pid recorded is the JVM's.
launch() {
  local name=$1 ns=$2 main=$3
  shift 3
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
  setsid nohup nsenter --net="/run/netns/$ns" -- java $JAVA_OPTS \
    -Dlogback.configurationFile="$root/testbed/cluster-logback.xml" \
    -cp "$CP" "$main" "$@" >"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

# True while the pid in STATE/NAME.pid is still the Shoal JVM started for NAME (not a recycled pid).
alive() {
  local pidfile=$STATE/$1.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(cat "$pidfile")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'io\.shoal\.'
}

wait_for() { # wait_for WHAT SECONDS COMMAND...
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what: not within ${seconds}s (logs in $STATE/)"
    sleep 0.5
  done
}

manager_up() { alive manager || die "the manager exited: $(tail -5 "$STATE/manager.log")"; api GET /healthz; }
token_printed() { alive manager || die "the manager exited: $(tail -5 "$STATE/manager.log")"; grep -q 'worker:' "$STATE/manager.log"; }
nodes_ready() {
  local n
  n=$(api GET /nodes | json "print(sum(1 for n in d if n['meta']['id'].startswith('$(prefix)-h') and n['status']['state']=='ready'))")
  [[ $n -eq $(hosts) ]]
}

cmd_up() {
  local n=${1:-3}
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 20)) || die "N: expected a number of hosts 1..20, got '$n'"
  if [[ -n $(prefix) ]]; then
    die "cluster $(prefix) is up already (testbed/cluster.sh status); 'testbed/cluster.sh down' first"
  fi
  CP=$(classpath)
  say "hosts: testbed/testbed.sh up $n"
  "$root/testbed/testbed.sh" up "$n"
  local p
  p=$(cat "$TESTBED_STATE/current")
  "$root/testbed/testbed.sh" client client >/dev/null
  mkdir -p "$STATE"
  echo "$n" >"$STATE/hosts"
  echo "$p" >"$STATE/prefix"

  say "manager on h1 ($p-h1): ZooKeeper 198.18.0.1:2181, API 198.18.0.1:2377 and $SOCK"
  launch manager "$p-h1" io.shoal.controlplane.startup.ShoalManager \
    --state-dir "$STATE/manager" --zookeeper-listen 198.18.0.1:2181 --id "$p-m1" \
    --socket "$SOCK" --listen 198.18.0.1:2377 --pool 100.64.0.0/10 --grace "$GRACE"
  wait_for "the manager's join tokens" "$WAIT_SECONDS" token_printed
  sed -n 's/^ *worker: *\(SHOALTKN[^ ]*\).*/\1/p' "$STATE/manager.log" | head -1 >"$STATE/worker.token"
  chmod 600 "$STATE/worker.token"
  wait_for "the manager's API" "$WAIT_SECONDS" manager_up

  for ((i = 1; i <= n; i++)); do
    say "shoald on h$i: node $p-h$i, advertise 198.18.0.$i, docker executor"
    launch "shoald-h$i" "$p-h$i" io.shoal.agent.Shoald \
      --node-id "$p-h$i" --hostname "$p-h$i" --zookeeper 198.18.0.1:2181 --executor docker \
      --advertise-addr "198.18.0.$i" --join-token "$(cat "$STATE/worker.token")" \
      --state-dir "$STATE/h$i" --sandbox-prefix "$p-s$i-" --netns-prefix "$p-t$i-" \
      --dns-upstream 198.18.1.1:53
  done
  wait_for "$n nodes READY" "$WAIT_SECONDS" nodes_ready
  say "cluster $p up: $n nodes READY"
  cmd_status || true
}

cmd_status() {
  local p
  p=$(prefix)
  if [[ -z $p ]]; then
    say "no cluster is up (testbed/cluster.sh up 3)"
    return 0
  fi
  echo "== cluster $p ($STATE)"
  printf '%-7s %-13s %-14s %s\n' member namespace underlay link
  local members=() others
  for ((i = 1; i <= $(hosts); i++)); do members+=("$p-h$i"); done
  members+=("$p-client")
  for ns in "${members[@]}"; do
    local m=${ns#"$p-"} addr state
    addr=$(ip -n "$ns" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' || true)
    state=$(ip -n "$p-fab" -o link show "$ns" 2>/dev/null | grep -q 'state UP\|,UP' && echo up || echo "cut off")
    [[ -e /run/netns/$ns ]] || state="namespace missing"
    printf '%-7s %-13s %-14s %s\n' "$m" "$ns" "${addr:--}" "$state"
  done
  others=$(ls /run/netns 2>/dev/null | grep "^$p-[st]" | wc -l || true)
  echo "(and $others namespaces of the agents: overlay sandboxes $p-s<i>-*, task namespaces $p-t<i>-*)"
  echo "== processes"
  for pidfile in "$STATE"/*.pid; do
    [[ -e $pidfile ]] || continue
    local name pid rss
    name=$(basename "$pidfile" .pid)
    pid=$(cat "$pidfile")
    if alive "$name"; then
      rss=$(awk '/VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status")
      printf '%-10s pid %-8s running, RSS %s, log %s\n' "$name" "$pid" "$rss" "$STATE/$name.log"
    else
      printf '%-10s pid %-8s NOT RUNNING, log %s\n' "$name" "$pid" "$STATE/$name.log"
    fi
  done
  echo "== nodes"
  api GET /nodes 2>/dev/null | json "
for n in d:
    print('%-12s %-8s %-7s underlay %-12s ingress %s' % (n['meta']['id'], n['status']['state'], n['spec']['availability'], ','.join(n['description']['addresses']), n['status'].get('ingressAddress') or '-'))
" || echo "(the API does not answer)"
  echo "== services"
  local tasks
  tasks=$(api GET /tasks 2>/dev/null || echo '[]')
  api GET /services 2>/dev/null | TASKS=$tasks json "
import os
tasks = json.loads(os.environ['TASKS'])
if not d: print('(none)')
for s in d:
    sid = s['meta']['id']; spec = s['spec']
    mine = [t for t in tasks if t['serviceId'] == sid]
    running = [t for t in mine if t['desiredState'] == 'running' and t.get('reportedStatus', {}).get('state') == 'running']
    want = spec['mode'].get('replicas', '-') if spec['mode']['kind'] == 'replicated' else 'global'
    vips = ' '.join(v['address'] for v in s.get('endpoint', {}).get('virtualIps', []))
    ports = ' '.join('%s->%s/%s' % (p['publishedPort'], p['targetPort'], p['protocol']) for p in spec['endpoint']['ports'])
    print('%-10s %s/%s running  vip %s  ports %s  (id %s)' % (spec['name'], len(running), want, vips or '-', ports or '-', sid))
    for t in mine:
        if t['desiredState'] != 'running': continue
        st = t.get('reportedStatus', t['status'])
        addrs = ' '.join(t.get('addresses', {}).values())
        print('    %-34s %-12s %-9s %s %s' % (t['meta']['id'], t['nodeId'], st['state'], addrs, st.get('error', '')))
" || echo "(the API does not answer)"
  echo "== containers (label io.shoal.node=$p-h*)"
  for ((i = 1; i <= $(hosts); i++)); do
    docker ps -a --filter "label=io.shoal.node=$p-h$i" --format "h$i  {{.Names}}  {{.Status}}" 2>/dev/null
  done
}

# Kills what runs inside each namespace whose name matches REGEX, then deletes it; -fab last.
delete_namespaces() {
  for ns in $(ls /run/netns 2>/dev/null | grep "$1" | sort | awk '/-fab$/ {f=$0; next} {print} END {if (f) print f}'); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns delete "$ns" 2>/dev/null || true
  done
}

cmd_down() {
  local p
  p=$(prefix)
  if [[ -z $p ]]; then
    say "no cluster is up; nothing to tear down"
    rm -rf "$STATE"
    return 0
  fi
  say "tearing down $p"
  local pids=()
  for pidfile in "$STATE"/*.pid; do
    [[ -e $pidfile ]] || continue
    if alive "$(basename "$pidfile" .pid)"; then
      pids+=("$(cat "$pidfile")")
    fi
  done
  if ((${#pids[@]} > 0)); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    for pid in "${pids[@]}"; do
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    done
    say "processes stopped: ${#pids[@]}"
  fi
  local n=0
  for ((i = 1; i <= $(hosts); i++)); do
    for c in $(docker ps -aq --filter "label=io.shoal.node=$p-h$i"); do
      docker rm -f "$c" >/dev/null && n=$((n + 1))
    done
  done
  say "containers removed: $n"
  # The agents' namespaces first (overlay sandboxes <prefix>-s<i>-*, task names <prefix>-t<i>-*), then
  # the testbed's; whatever still carries the prefix after that goes too, the fabric last.
  delete_namespaces "^$p-[st]"
  if [[ -f $TESTBED_STATE/current && $(cat "$TESTBED_STATE/current") == "$p" ]]; then
    "$root/testbed/testbed.sh" down || true
  fi
  delete_namespaces "^$p-"
  rm -rf "${TESTBED_STATE:?}/$p"
  rm -rf "$STATE"
  local left
  left=$(ls /run/netns 2>/dev/null | grep -c "^$p-" || true)
  say "cluster $p down; left behind: $left namespaces, $(docker ps -aq --filter "label=io.shoal.node" | xargs -r docker inspect -f '{{index .Config.Labels "io.shoal.node"}}' | grep -c "^$p-" || true) containers"
}

cmd_exec() {
  local p
  p=$(prefix)
  [[ -n $p ]] || die "no cluster is up"
  (($# >= 2)) || die "exec: expected MEMBER CMD... (members: h1..h$(hosts), client)"
  local ns=$p-$1
  shift
  [[ -e /run/netns/$ns ]] || die "exec: no namespace $ns"
  exec nsenter --net="/run/netns/$ns" -- "$@"
}

# The container id of task TASK, or of the first running task of service SERVICE.
container_of() {
  api GET /tasks | json "
arg = '$1'
for t in d:
    r = t.get('reportedStatus') or {}
    if t['desiredState'] == 'running' and r.get('state') == 'running' and r.get('containerId') and (t['meta']['id'] == arg or t['serviceId'] == arg):
        print(r['containerId']); break
" 2>/dev/null || true
}

cmd_task_exec() {
  [[ -n $(prefix) ]] || die "no cluster is up"
  (($# >= 2)) || die "task-exec: expected SERVICE|TASK CMD..."
  local target=$1 sid c pid
  shift
  sid=$(api GET "/services/$target" 2>/dev/null | json "print(d['meta']['id'])" 2>/dev/null || true)
  c=$(container_of "${sid:-$target}")
  [[ -n $c ]] || die "task-exec: no running task of '$target'"
  pid=$(docker inspect -f '{{.State.Pid}}' "$c")
  exec nsenter --net="/proc/$pid/ns/net" -- "$@"
}

cmd_scale() {
  [[ -n $(prefix) ]] || die "no cluster is up"
  [[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || die "scale: expected SERVICE REPLICAS, e.g. scale web 6"
  local service spec id version
  service=$(api GET "/services/$1") || die "scale: $service"
  id=$(json "print(d['meta']['id'])" <<<"$service")
  version=$(json "print(d['meta']['version'])" <<<"$service")
  spec=$(json "s = d['spec']; s['mode']['replicas'] = $2; print(json.dumps(s))" <<<"$service")
  api POST "/services/$id/update?version=$version" "$spec" >/dev/null || die "scale: refused"
  say "service $1: $2 replicas wanted"
}

cmd_cut() {
  local p
  p=$(prefix)
  [[ -n $p ]] || die "no cluster is up"
  [[ -n $1 && -e /run/netns/$p-$1 ]] || die "cut/heal: expected HOST (h1..h$(hosts)), got '$1'"
  ip -n "$p-fab" link set "$p-$1" "$2"
  say "$1 $([[ $2 == down ]] && echo "is cut off" || echo "is on the fabric again")"
}

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

(($# >= 1)) || usage
command=$1
shift
case $command in
  up) cmd_up "$@" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  api)
    (($# >= 2)) || die "api: expected METHOD PATH [JSON]"
    api "$@"
    ;;
  scale) cmd_scale "$@" ;;
  exec) cmd_exec "$@" ;;
  task-exec) cmd_task_exec "$@" ;;
  cut) cmd_cut "${1:-}" down ;;
  heal) cmd_cut "${1:-}" up ;;
  *) usage ;;
esac
