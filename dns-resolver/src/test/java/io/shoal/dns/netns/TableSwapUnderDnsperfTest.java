package io.shoal.dns.netns;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsServer;
import io.shoal.dns.server.DnsServerConfig;
import io.shoal.dns.testing.Fixtures;
import io.shoal.model.EndpointMode;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The table is swapped between two versions every 10 ms (each swap builds a new index, off the
 * event loop) while the real {@code dnsperf}
 * loads the server from inside a container namespace and a checker asks alongside: in version
 * {@code v}, service {@code svc-i} has VIP {@code 100.64.v.i} and the dnsrr service {@code multi}
 * has 8 tasks at {@code 100.64.(10+v).k}. Every answer must belong to one version: a response that
 * mixes {@code multi}'s tasks of both, or a VIP of neither, fails the test.
 */
@Tag("integration")
class TableSwapUnderDnsperfTest {
    private static final Path DNSPERF = Path.of("/usr/bin/dnsperf");
    private static final int SERVICES = 200;
    private static final int MULTI_TASKS = 8;

    private static ServiceTable version(int v) {
        List<ServiceEntry> services = new ArrayList<>();
        for (int i = 1; i <= SERVICES; i++) {
            services.add(new ServiceEntry(
                    "s" + i,
                    "svc-" + i,
                    EndpointMode.VIP,
                    Map.of(FRONT, Fixtures.ip("100.64." + v + "." + i)),
                    Map.of(),
                    List.of(),
                    List.of()));
        }
        List<TaskEndpoint> tasks = new ArrayList<>();
        for (int k = 1; k <= MULTI_TASKS; k++) {
            tasks.add(Fixtures.task("m" + v + "-" + k, k, FRONT, "100.64." + (10 + v) + "." + k, true));
        }
        services.add(new ServiceEntry("m", "multi", EndpointMode.DNSRR, Map.of(), Map.of(), List.of(), tasks));
        return new ServiceTable(v, Fixtures.networks(), services);
    }

    @Test
    void answersNeverMixTablesWhileSwappingUnderDnsperf() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.isExecutable(DNSPERF), "dnsperf (apt-get install dnsperf)");
        Requirements.require(DnsRedirect.isAvailable(), "nft and nsenter (apt-get install nftables)");
        String ns = "sd" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF)) + "s";
        ServiceTable v1 = version(1);
        ServiceTable v2 = version(2);
        Path names = Files.createTempFile("shoal-dns-swap-", ".txt");
        ScheduledExecutorService swapper = Executors.newSingleThreadScheduledExecutor();
        Process dnsperf = null;
        try (DnsServer server = DnsServer.start(DnsServerConfig.defaults())) {
            NetNs.create(ns).close();
            server.update(v1);
            StringBuilder data = new StringBuilder();
            for (int i = 1; i <= SERVICES; i++) {
                data.append("svc-").append(i).append(" A\nmulti A\n");
            }
            Files.writeString(names, data);
            try (ContainerDnsBinding binding =
                    ContainerDns.bind(server, NetNs.RUN_NETNS.resolve(ns), DnsScope.of(FRONT))) {
                AtomicInteger swaps = new AtomicInteger();
                swapper.scheduleAtFixedRate(
                        () -> server.update(swaps.incrementAndGet() % 2 == 0 ? v1 : v2), 10, 10, TimeUnit.MILLISECONDS);
                // Bounded: 4 s, at most 300 queries/s and 10 outstanding. Correctness, not speed: tests
                // run with Netty's paranoid leak detection (a stack trace per buffer) on a shared
                // machine, which caps this server at a few hundred queries/s here.
                dnsperf = new ProcessBuilder(
                                "ip",
                                "netns",
                                "exec",
                                ns,
                                DNSPERF.toString(),
                                "-s",
                                "127.0.0.11",
                                "-d",
                                names.toString(),
                                "-l",
                                "4",
                                "-c",
                                "2",
                                "-q",
                                "10",
                                "-Q",
                                "300")
                        .redirectErrorStream(true)
                        .start();
                Checked checked = check(binding, dnsperf);
                String report = new String(dnsperf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(dnsperf.waitFor(30, TimeUnit.SECONDS))
                        .as("dnsperf ended")
                        .isTrue();
                swapper.shutdownNow();

                assertThat(swaps.get()).as("table swaps during the run").isGreaterThan(50);
                assertThat(checked.wrong)
                        .as("answers of neither version or mixing both")
                        .isEmpty();
                assertThat(checked.answered)
                        .as("checker answers (%d lost, %d swaps); dnsperf:%n%s", checked.lost, swaps.get(), report)
                        .isGreaterThan(20);
                assertThat(checked.versions).as("versions the checker saw").containsExactlyInAnyOrder(1, 2);
                assertThat(completed(report)).as("dnsperf report:\n" + report).isGreaterThan(200);
                assertThat(report)
                        .as("every dnsperf answer is NOERROR")
                        .containsPattern("Response codes:\\s+NOERROR \\d+ \\(100\\.00%\\)");
            }
        } finally {
            swapper.shutdownNow();
            if (dnsperf != null) {
                dnsperf.destroyForcibly();
            }
            Files.deleteIfExists(names);
            NetNs.deleteIfPresent(ns);
        }
    }

    private record Checked(int answered, int lost, List<String> wrong, Set<Integer> versions) {}

    /** Asks from inside the namespace while dnsperf runs; every answer must be of one version. */
    private static Checked check(ContainerDnsBinding binding, Process dnsperf) throws IOException {
        int answered = 0;
        int lost = 0;
        List<String> wrong = new ArrayList<>();
        Set<Integer> versions = new HashSet<>();
        try (NetNsSocketNamespace ns = NetNsSocketNamespace.openPath(binding.netns());
                DatagramSocket socket = ns.open(() -> {
                    try {
                        return new DatagramSocket();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })) {
            socket.setSoTimeout(200);
            socket.connect(new InetSocketAddress(ContainerDns.ADDRESS, 53));
            byte[] buf = new byte[1232];
            for (int q = 0; dnsperf.isAlive() && q < 20_000; q++) {
                int i = 1 + q % SERVICES;
                String name = q % 2 == 0 ? "multi" : "svc-" + i;
                Message query = Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, 1));
                query.getHeader().setID(q & 0xFFFF);
                byte[] wire = query.toWire();
                socket.send(new DatagramPacket(wire, wire.length));
                Message response = receive(socket, buf, q & 0xFFFF);
                if (response == null) {
                    lost++; // lost under load: not a wrong answer
                    continue;
                }
                Set<Integer> thirdOctets = new HashSet<>();
                List<String> ips = new ArrayList<>();
                for (Record r : response.getSection(Section.ANSWER)) {
                    byte[] a = ((ARecord) r).getAddress().getAddress();
                    thirdOctets.add(a[2] & 0xFF);
                    ips.add(((ARecord) r).getAddress().getHostAddress());
                }
                answered++;
                if (name.equals("multi")) {
                    if (ips.size() != MULTI_TASKS || thirdOctets.size() != 1) {
                        wrong.add(name + " -> " + ips);
                    } else {
                        versions.add(thirdOctets.iterator().next() - 10);
                    }
                } else if (ips.size() != 1
                        || !(ips.get(0).equals("100.64.1." + i) || ips.get(0).equals("100.64.2." + i))) {
                    wrong.add(name + " -> " + ips);
                }
            }
        }
        return new Checked(answered, lost, wrong, versions);
    }

    /** The reply with {@code id}; late replies to queries given up on are skipped. Null on timeout. */
    private static Message receive(DatagramSocket socket, byte[] buf, int id) throws IOException {
        while (true) {
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
            } catch (SocketTimeoutException e) {
                return null;
            }
            Message m = new Message(java.util.Arrays.copyOf(in.getData(), in.getLength()));
            if (m.getHeader().getID() == id) {
                return m;
            }
        }
    }

    private static long completed(String report) {
        Matcher m = Pattern.compile("Queries completed:\\s+(\\d+)").matcher(report);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
