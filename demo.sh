#!/usr/bin/env bash
# Shoal's main command. On a fresh Debian 12 machine, as root, after git clone:
#
#   sudo ./demo.sh
#
# 1. provisions the machine (packages, dockerd, the local busybox image): testbed/provision.sh
# 2. builds Shoal (mvn package, tests skipped: ./test.sh runs them)
# 3. brings up a Shoal cluster of 3 hosts, each its own network namespace on a shared fabric
#    bridge: a manager on h1, shoald (Docker executor) on every host (testbed/cluster.sh up 3)
# 4. creates the overlay network appnet, the service web (busybox httpd, 3 replicas, port 8080
#    published on every node) and a client service, through the manager's HTTP API
# 5. shows what answers: curl to 8080 on every node from a client namespace (and 9 requests to one
#    node: which replicas answered), dig web / dig tasks.web inside a client task (its embedded DNS
#    at 127.0.0.11) and curl to web's VIP from there. Every line says what was
#    expected and what came; a check that fails is printed as FAILED, never hidden.
#
# The cluster stays up afterwards, with the next commands to try; one command removes it all:
#   sudo testbed/cluster.sh down
set -euo pipefail
cd "$(dirname "$0")"
hosts=3
started=$(date +%s)
cluster=testbed/cluster.sh
failures=0
checks=0

check() { # check OK|FAILED TEXT
  checks=$((checks + 1))
  if [[ $1 == ok ]]; then
    printf '  ok      %s\n' "$2"
  else
    failures=$((failures + 1))
    printf '  FAILED  %s\n' "$2"
  fi
}

# Field extraction from the API's JSON with python3 (provisioned; jq is not).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

echo "== 1/5 provisioning"
testbed/provision.sh
echo "== 2/5 building (mvn -B -q -DskipTests package, and the agent's runtime class path)"
# sed: Maven 3.8 prints bare colour resets even in batch mode; keep the output plain.
mvn -B -q -DskipTests package dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile=target/cluster-classpath.txt 2>&1 |
  sed -u "s/\x1b\[[0-9;]*m//g"

echo "== 3/5 a Shoal cluster of $hosts hosts"
if [[ -f /run/shoal-demo/prefix ]]; then
  echo "(a cluster from an earlier run is up: removing it first)"
  $cluster down
fi
$cluster up "$hosts"

echo
echo "== 4/5 network appnet, service web (3 x busybox httpd, 8080 -> 80 on every node), service client"
image=shoal/busybox:test
$cluster api POST /networks '{"name":"appnet"}' >/dev/null
echo "network appnet created"
# busybox httpd serves /index.html, which holds the container's host name: each answer tells
# which replica gave it. It runs as pid 1, which ignores SIGTERM: a 1 s stop grace period.
$cluster api POST /services '{"name":"web",
  "task":{"container":{"image":"'$image'","stopGracePeriod":1,
    "args":["sh","-c","hostname > /index.html && exec httpd -f -p 80 -h /"]},
    "networks":[{"target":"appnet"}]},
  "mode":{"kind":"replicated","replicas":3},
  "endpoint":{"ports":[{"protocol":"tcp","publishedPort":8080,"targetPort":80}]}}' >/dev/null
echo "service web created"
$cluster api POST /services '{"name":"client",
  "task":{"container":{"image":"'$image'","stopGracePeriod":1,
    "args":["sh","-c","trap \"exit 0\" TERM; while true; do sleep 1; done"]},
    "networks":[{"target":"appnet"}]},
  "mode":{"kind":"replicated","replicas":1}}' >/dev/null
echo "service client created"

running() { # running SERVICE: how many of its tasks the agents report RUNNING
  $cluster api GET "/tasks?service=$1" | json "
print(sum(1 for t in d if t['desiredState'] == 'running' and (t.get('reportedStatus') or {}).get('state') == 'running'))"
}
deadline=$((SECONDS + 90))
until [[ $(running web) -eq 3 && $(running client) -eq 1 ]]; do
  if ((SECONDS > deadline)); then
    echo "web: $(running web)/3 running, client: $(running client)/1 running after 90 s"
    break
  fi
  sleep 0.5
done
echo
$cluster status | sed -n '/^== services/,/^== containers/p' | sed '$d'

echo
echo "== 5/5 what answers"
echo "curl http://198.18.0.i:8080/ from the client namespace (198.18.1.1), once per node:"
for ((i = 1; i <= hosts; i++)); do
  if out=$($cluster exec client curl -sS --connect-timeout 2 --max-time 3 "http://198.18.0.$i:8080/" 2>&1); then
    check ok "h$i 198.18.0.$i:8080 answered: $(echo "$out" | tr -d '\n')"
  else
    check failed "h$i 198.18.0.$i:8080: $(echo "$out" | tr '\n' ' ')"
  fi
done

# The body is the answering replica's host name: count who answered.
spread() { sort | uniq -c | awk '{printf "%s%s x%d", sep, $2, $1; sep=", "}'; }
bodies=$(for _ in 1 2 3 4 5 6 7 8 9; do
  $cluster exec client curl -sS --connect-timeout 2 --max-time 3 http://198.18.0.2:8080/ 2>/dev/null || echo "(no answer)"
done)
distinct=$(grep -v '(no answer)' <<<"$bodies" | sort -u | wc -l)
if [[ $distinct -eq 3 ]] && ! grep -q '(no answer)' <<<"$bodies"; then
  check ok "9 requests to h2:8080 reached all 3 replicas: $(spread <<<"$bodies")"
else
  check failed "9 requests to h2:8080: $(spread <<<"$bodies") (expected all 3 replicas, no failure)"
fi

# What the control plane decided, to compare the DNS answers with.
appnet=$($cluster api GET /networks/appnet | json "print(d['meta']['id'])")
vip=$($cluster api GET /services/web | json "
print(' '.join(v['address'].split('/')[0] for v in d['endpoint']['virtualIps'] if v['networkId'] == '$appnet'))")
task_ips=$($cluster api GET /tasks?service=web | json "
print(' '.join(sorted(t['addresses']['$appnet'].split('/')[0] for t in d
    if t['desiredState'] == 'running' and '$appnet' in t.get('addresses', {}))))")
echo
echo "inside the client task (nsenter into its network namespace; its resolver is 127.0.0.11):"
dig_in_client() { # dig_in_client NAME: the A records, sorted, on one line
  $cluster task-exec client dig +short +time=2 +tries=1 @127.0.0.11 "$1" A 2>&1 | sort | tr '\n' ' ' | sed 's/ $//'
}
got=$(dig_in_client web || true)
if [[ -n $vip && $got == "$vip" ]]; then
  check ok "dig web       -> $got (the service VIP on appnet)"
else
  check failed "dig web       -> '${got}' (expected the VIP '${vip}')"
fi
got=$(dig_in_client tasks.web || true)
if [[ -n $task_ips && $got == "$task_ips" ]]; then
  check ok "dig tasks.web -> $got (every replica's address on appnet)"
else
  check failed "dig tasks.web -> '${got}' (expected the task addresses '${task_ips}')"
fi
if [[ -n $vip ]]; then
  bodies=$(for _ in 1 2 3; do
    $cluster task-exec client curl -sS --connect-timeout 2 --max-time 3 "http://$vip/" 2>/dev/null || echo "(no answer)"
  done)
  if ! grep -q '(no answer)' <<<"$bodies"; then
    check ok "curl http://$vip/ (web's VIP) x3 from the client task: $(spread <<<"$bodies")"
  else
    check failed "curl http://$vip/ (web's VIP) x3 from the client task: $(spread <<<"$bodies")"
  fi
fi

echo
echo "== $((checks - failures)) of $checks checks passed; the cluster is up, in $(($(date +%s) - started))s"
cat <<'EOF'

Next commands to try (as root):
  testbed/cluster.sh status                          hosts, processes, nodes, services, tasks
  testbed/cluster.sh exec client curl -s 198.18.0.2:8080/      the mesh, from the client namespace
  testbed/cluster.sh task-exec client dig @127.0.0.11 tasks.web   DNS inside a task
  testbed/cluster.sh api GET /services               the manager's API (also on 198.18.0.1:2377)
  testbed/cluster.sh scale web 6                     6 replicas; status shows where they run
  testbed/cluster.sh cut h3; testbed/cluster.sh heal h3      pull a host's cable, plug it back
  tail -f /run/shoal-demo/shoald-h2.log              an agent's log (manager.log for the manager)

Tear it all down (processes, containers, namespaces):
  sudo testbed/cluster.sh down
EOF
((failures == 0))
