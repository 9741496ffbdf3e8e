package io.shoal.benchmarks.overlay;

import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.MacAddress;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.netlink.socket.BatchOutcome;
import io.shoal.netlink.socket.Request;
import io.shoal.vxlan.HostUnderlay;
import io.shoal.vxlan.OverlayDriver;
import io.shoal.vxlan.Remote;
import io.shoal.vxlan.RemoteSync;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Programs N remote endpoints (neighbour + FDB entry each) into a fresh, identical overlay sandbox
 * three ways, alternating their order each repetition, and prints the times:
 *
 * <ul>
 *   <li>{@code shoal}: {@code OverlayDriver.syncRemotes} (dumps the empty tables, plans, sends batches),
 *   <li>{@code netlink}: {@code RouteNetlink.executeAll} of the replace requests (no dump, no plan),
 *   <li>{@code ip}: {@code ip -n SB -batch} (neighbours) then {@code bridge -n SB -batch} (FDB), files
 *       written before the clock starts, process start-up included.
 * </ul>
 *
 * Every sandbox is made by the same driver ({@code ensureNetwork}, a new network id per run), and
 * every run is checked afterwards: the driver must read back exactly the N remotes.
 *
 * <pre>HOST_NS UNDERLAY_IP DEV PREFIX WORKDIR [COUNT=10000] [REPS=5]</pre>
 */
public final class RemoteProgramming {
    private static final String SUBNET = "100.64.0.0/16";

    private RemoteProgramming() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: HOST_NS UNDERLAY_IP DEV PREFIX WORKDIR [COUNT=10000] [REPS=5]");
            System.exit(2);
        }
        int count = args.length > 5 ? Integer.parseInt(args[5]) : 10_000;
        int reps = args.length > 6 ? Integer.parseInt(args[6]) : 5;
        if (count < 1 || count > 60_000) {
            throw new IllegalArgumentException("COUNT must be in [1, 60000], was " + count);
        }
        Path work = Path.of(args[4]);
        Set<Remote> remotes = remotes(count);
        Path neigh = work.resolve("neigh.batch");
        Path fdb = work.resolve("fdb.batch");
        writeBatchFiles(remotes, neigh, fdb);

        Map<String, List<Double>> times = new LinkedHashMap<>();
        List<String> ways = List.of("shoal", "netlink", "ip");
        ways.forEach(w -> times.put(w, new ArrayList<>()));
        try (NetNs host = NetNs.open(args[0])) {
            HostUnderlay underlay = new HostUnderlay(host, ipv4(args[1]), args[2]);
            try (OverlayDriver driver = OverlayDriver.open(underlay, args[3])) {
                System.out.printf("%d remotes (neighbour + FDB each) per run, %d runs, order rotates%n", count, reps);
                System.out.println("run  " + String.join("      ", ways) + "   (ms)");
                for (int rep = 0; rep < reps; rep++) {
                    double[] row = new double[ways.size()];
                    for (int k = 0; k < ways.size(); k++) {
                        int w = (k + rep) % ways.size();
                        String way = ways.get(w);
                        String id = way.charAt(0) + "r" + rep;
                        driver.ensureNetwork(id, 100 + rep * 10 + w, SUBNET);
                        double ms =
                                switch (way) {
                                    case "shoal" -> timeShoal(driver, id, remotes);
                                    case "netlink" -> timeNetlink(driver.sandboxName(id), remotes);
                                    default -> timeIp(driver.sandboxName(id), neigh, fdb);
                                };
                        Set<Remote> programmed = driver.remotes(id);
                        if (!programmed.equals(remotes)) {
                            throw new IllegalStateException(way + " run " + rep + " programmed " + programmed.size()
                                    + " remotes, expected exactly the " + remotes.size() + " given");
                        }
                        driver.removeNetwork(id);
                        row[w] = ms;
                        times.get(way).add(ms);
                    }
                    System.out.printf("%-4d %5.0f    %7.0f  %5.0f%n", rep + 1, row[0], row[1], row[2]);
                }
            }
        }
        double shoal = median(times.get("shoal"));
        double netlink = median(times.get("netlink"));
        double ip = median(times.get("ip"));
        System.out.printf(
                "median   shoal %.0f ms   netlink %.0f ms   ip %.0f ms   (first run: %.0f / %.0f / %.0f)%n",
                shoal,
                netlink,
                ip,
                times.get("shoal").get(0),
                times.get("netlink").get(0),
                times.get("ip").get(0));
        System.out.printf(
                "ratio    time_ip/time_shoal %.2f (goal >= 1.0)   time_ip/time_netlink %.2f%n",
                ip / shoal, ip / netlink);
    }

    private static double timeShoal(OverlayDriver driver, String id, Set<Remote> remotes) {
        long t0 = System.nanoTime();
        RemoteSync sync = driver.syncRemotes(id, remotes);
        long t1 = System.nanoTime();
        if (sync.neighboursAdded() != remotes.size() || sync.fdbAdded() != remotes.size()) {
            throw new IllegalStateException(
                    "syncRemotes into a fresh sandbox should add " + remotes.size() + " of each, reported " + sync);
        }
        return (t1 - t0) / 1e6;
    }

    private static double timeNetlink(String sandbox, Set<Remote> remotes) {
        try (NetNs ns = NetNs.open(sandbox);
                RouteNetlink rt = RouteNetlink.open(ns)) {
            int vx = rt.links().require(OverlayDriver.VXLAN).index();
            long t0 = System.nanoTime();
            List<Request> requests = new ArrayList<>(remotes.size() * 2);
            for (Remote r : remotes) {
                requests.add(rt.neighbours().replaceRequest(vx, r.ip(), r.mac()));
            }
            for (Remote r : remotes) {
                requests.add(rt.fdb().replaceRequest(vx, r.mac(), r.vtep()));
            }
            BatchOutcome outcome = rt.executeAll(requests);
            long t1 = System.nanoTime();
            if (!outcome.failures().isEmpty()) {
                throw new IllegalStateException(outcome.failures().size() + " requests refused, first: "
                        + outcome.failures().values().iterator().next());
            }
            return (t1 - t0) / 1e6;
        }
    }

    private static double timeIp(String sandbox, Path neigh, Path fdb) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        run("ip", "-n", sandbox, "-batch", neigh.toString());
        run("bridge", "-n", sandbox, "-batch", fdb.toString());
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(Arrays.toString(command) + " failed: " + new String(out));
        }
    }

    /** 100.64.x.y endpoints spread over 100 remote hosts 198.18.1.1..100 (never this host). */
    static Set<Remote> remotes(int count) throws UnknownHostException {
        Set<Remote> out = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            int host = i + 2; // skip the network address and the gateway (.1)
            Inet4Address ip =
                    (Inet4Address) InetAddress.getByAddress(new byte[] {100, 64, (byte) (host >> 8), (byte) host});
            Inet4Address vtep =
                    (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) 198, 18, 1, (byte) (1 + i % 100)});
            out.add(Remote.of(ip, vtep));
        }
        return out;
    }

    /** The same entries as iproute2 batch files (what Shoal sends: replace, permanent, fdb self). */
    static void writeBatchFiles(Set<Remote> remotes, Path neigh, Path fdb) throws IOException {
        StringBuilder n = new StringBuilder();
        StringBuilder f = new StringBuilder();
        for (Remote r : remotes) {
            MacAddress mac = r.mac();
            n.append("neigh replace ")
                    .append(r.ip().getHostAddress())
                    .append(" lladdr ")
                    .append(mac)
                    .append(" dev vxlan0 nud permanent\n");
            f.append("fdb replace ")
                    .append(mac)
                    .append(" dev vxlan0 dst ")
                    .append(r.vtep().getHostAddress())
                    .append(" self permanent\n");
        }
        Files.writeString(neigh, n);
        Files.writeString(fdb, f);
    }

    private static Inet4Address ipv4(String text) throws UnknownHostException {
        if (!text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("UNDERLAY_IP must be a dotted IPv4 address, was \"" + text + "\"");
        }
        return (Inet4Address) InetAddress.getByName(text); // a literal: no lookup
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
