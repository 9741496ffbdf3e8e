#!/usr/bin/env bash
# Times Shoal's nftables balancer against plain `nft -f` of the same ruleset, same run:
#   1. Shoal (NftScale): N services x 10 backends applied into namespace <p>s (nft), then 2 x CHANGES
#      single-backend changes, each applied incrementally, alternately over the netlink fast path
#      (one nf_tables transaction on a kept socket) and through nsenter + nft.
#   2. plain nft: the same full script (`nft -f`), then the same kind of incremental script, in
#      namespace <p>n, via `ip netns exec` (what the script itself costs, without the JVM).
#   3. the floor: spawning `nsenter ... nft -f` with an empty script.
# Usage: sudo benchmarks/balancer/nft-scale.sh [N=10000] [CHANGES=15]
# Everything it makes (two namespaces, a temp dir) is removed on exit, also on Ctrl-C.
set -euo pipefail
N=${1:-10000}
CHANGES=${2:-15}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=bb$(head -c2 /dev/urandom | od -An -tx1 | tr -d ' \n')
TMP=$(mktemp -d)
cleanup() { ip netns del "${P}s" 2>/dev/null || true; ip netns del "${P}n" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
ip netns add "${P}s"
ip netns add "${P}n"

# Always build this checkout's jars: a stale jar (or a shoal-netlink from ~/.m2 on the dependency
# classpath) would time other code. The reactor's jars go first on the class path.
(cd "$ROOT" && mvn -B -q -o -pl ipvs-bridge -am package -DskipTests)
JAR="$ROOT/ipvs-bridge/target/shoal-ipvs-bridge-0.1.0.jar:$ROOT/netlink/target/shoal-netlink-0.1.0.jar"
(cd "$ROOT" && mvn -B -q -o -pl ipvs-bridge dependency:build-classpath -Dmdep.outputFile="$TMP/cp" >/dev/null)
java -cp "$JAR:$(cat "$TMP/cp")" io.shoal.balancer.nftables.NftScale "${P}s" "$N" "$CHANGES" "$TMP"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
full=$(ms ip netns exec "${P}n" nft -f "$TMP/full.nft")
inc=()
for i in 1 2 3; do
  # The last Shoal change, undone and redone: a one-slot change against the full table.
  inc+=("$(ms ip netns exec "${P}n" nft -f "$TMP/incremental.nft")")
  # put the table back as it was so that the next run applies the same change
  ip netns exec "${P}n" nft -f - <<<"$(sed -n 's/^add element inet shoal backends4 { \([^:]*\) : .*/delete element inet shoal backends4 { \1 }/p' "$TMP/incremental.nft")
$(sed -n 's/^delete element inet shoal backends4 { \(.*\) }/add element inet shoal backends4 { \1 : 198.18.1.10 . 8080 }/p' "$TMP/incremental.nft")"
done
echo -n "" > "$TMP/empty.nft"
floor=()
for i in 1 2 3; do floor+=("$(ms nsenter --net=/run/netns/${P}n -- nft -f "$TMP/empty.nft")"); done
echo "plain nft: full script $(wc -c < "$TMP/full.nft") bytes in ${full} ms; the incremental script ($(wc -l < "$TMP/incremental.nft") lines) in ${inc[*]} ms"
echo "floor: nsenter + nft -f of an empty script: ${floor[*]} ms"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
