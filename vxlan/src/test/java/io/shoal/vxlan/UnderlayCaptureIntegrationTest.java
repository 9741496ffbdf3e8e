package io.shoal.vxlan;

import static io.shoal.vxlan.PureLogicTest.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.netlink.ns.NetNs;
import io.shoal.testbed.Host;
import io.shoal.testbed.Requirements;
import io.shoal.testbed.Testbed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.Pcaps;

/**
 * What the underlay carries: a capture (pcap4j) on host 2's fabric link while two containers talk
 * over the overlay shows VXLAN on UDP 4789 with the network's VNI and the overlay addresses only
 * inside it, never in clear.
 */
@Tag("integration")
class UnderlayCaptureIntegrationTest {
    static final String LIBPCAP = "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8";
    static final int VNI = 4351;

    @Test
    void overlayTrafficCrossesTheUnderlayOnlyAsVxlanWithItsVni() throws Exception {
        Requirements.requireRoot();
        Requirements.require(Files.exists(Path.of(LIBPCAP)), "libpcap at " + LIBPCAP + " (apt-get install libpcap0.8)");
        // pcap4j looks for "libpcap.so", which only the -dev package provides.
        System.setProperty("org.pcap4j.core.pcapLibName", LIBPCAP);
        String run = String.format("vu%04x", ThreadLocalRandom.current().nextInt(0x10000));
        try (Testbed tb = Testbed.builder().hosts(2).start();
                Containers containers = new Containers(run)) {
            List<AutoCloseable> toClose = new ArrayList<>();
            try {
                captureWhileTalking(tb, containers, run, toClose);
            } finally {
                // Drivers first (removing their sandboxes), while the testbed is still up.
                for (AutoCloseable c : toClose) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        // keep closing the rest
                    }
                }
            }
        }
    }

    private static void captureWhileTalking(Testbed tb, Containers containers, String run, List<AutoCloseable> toClose)
            throws Exception {
        OverlayDriver[] d = new OverlayDriver[3];
        for (int i = 1; i <= 2; i++) {
            Host h = tb.host(i);
            NetNs ns = NetNs.open(h.namespace());
            toClose.add(ns);
            d[i] = OverlayDriver.open(new HostUnderlay(ns, h.address(), Host.UPLINK), run + "h" + i + "-");
            toClose.add(0, d[i]::removeAll);
            toClose.add(d[i]);
            d[i].ensureNetwork("cap", VNI, "100.64.7.0/24");
        }
        String c1 = containers.create("1");
        String c2 = containers.create("2");
        d[1].attach("cap", Containers.ref(c1), "eth0", "100.64.7.2/24");
        d[2].attach("cap", Containers.ref(c2), "eth0", "100.64.7.3/24");
        d[1].addRemote("cap", Remote.of(ip("100.64.7.3"), tb.host(2).address()));
        d[2].addRemote("cap", Remote.of(ip("100.64.7.2"), tb.host(1).address()));
        containers.startEcho(c2, 7301);

        // The packet socket is opened inside host 2's namespace and keeps it.
        PcapHandle handle;
        try (NetNs h2 = NetNs.open(tb.host(2).namespace())) {
            handle = h2.run(() -> Pcaps.getDevByName(Host.UPLINK).openLive(256, PromiscuousMode.PROMISCUOUS, 50));
        }
        List<byte[]> frames = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(
                            () -> Containers.exchange(c1, "100.64.7.3", 7301, "captured", Duration.ofSeconds(1)),
                            "captured"::equals);
            // Drain what the capture saw; on a loaded machine the first drain can come back empty
            // (the exchange's frames not yet delivered to the packet socket), so talk again, a few times.
            for (int round = 0; round < 5 && frames.stream().map(Frame::parse).noneMatch(Frame::isVxlan); round++) {
                if (round > 0) {
                    Containers.exchange(c1, "100.64.7.3", 7301, "captured", Duration.ofSeconds(1));
                }
                long end = System.nanoTime() + Duration.ofMillis(500).toNanos();
                while (System.nanoTime() < end) {
                    byte[] f = handle.getNextRawPacket();
                    if (f != null) {
                        frames.add(f);
                    }
                }
            }
        } finally {
            handle.close();
        }

        List<Frame> parsed = frames.stream().map(Frame::parse).toList();
        List<Frame> vxlan = parsed.stream().filter(Frame::isVxlan).toList();
        assertThat(vxlan).as("VXLAN frames on the underlay").isNotEmpty();
        assertThat(vxlan).allSatisfy(f -> {
            assertThat(f.vni).isEqualTo(VNI);
            assertThat(f.outerAddresses).allMatch(a -> a.startsWith("198.18."));
        });
        assertThat(vxlan).anySatisfy(f -> assertThat(f.innerAddresses).contains("100.64.7.2", "100.64.7.3"));
        assertThat(parsed)
                .as("no overlay address in clear on the underlay")
                .allSatisfy(f -> assertThat(f.outerAddresses).noneMatch(Frame::isOverlay));
    }

    /** The fields of an Ethernet frame this test looks at, parsed by hand from the raw bytes. */
    record Frame(List<String> outerAddresses, boolean isVxlan, int vni, List<String> innerAddresses) {
        static final int ETHERNET = 14;

        static Frame parse(byte[] f) {
            int type = u16(f, 12);
            if (type == 0x0806 && f.length >= ETHERNET + 28) {
                return new Frame(List.of(ipv4(f, ETHERNET + 14), ipv4(f, ETHERNET + 24)), false, -1, List.of());
            }
            if (type != 0x0800 || f.length < ETHERNET + 20) {
                return new Frame(List.of(), false, -1, List.of());
            }
            List<String> outer = List.of(ipv4(f, ETHERNET + 12), ipv4(f, ETHERNET + 16));
            int ihl = (f[ETHERNET] & 0x0f) * 4;
            int udp = ETHERNET + ihl;
            boolean vx = f[ETHERNET + 9] == 17
                    && f.length >= udp + 16
                    && u16(f, udp + 2) == io.shoal.netlink.route.VxlanSpec.IANA_PORT;
            if (!vx) {
                return new Frame(outer, false, -1, List.of());
            }
            int header = udp + 8;
            int vni = ((f[header + 4] & 0xff) << 16) | ((f[header + 5] & 0xff) << 8) | (f[header + 6] & 0xff);
            int inner = header + 8;
            List<String> innerAddresses = List.of();
            if (f.length >= inner + ETHERNET + 20 && u16(f, inner + 12) == 0x0800) {
                innerAddresses = List.of(ipv4(f, inner + ETHERNET + 12), ipv4(f, inner + ETHERNET + 16));
            }
            return new Frame(outer, (f[header] & 0x08) != 0, vni, innerAddresses);
        }

        static boolean isOverlay(String address) {
            String[] p = address.split("\\.");
            int second = Integer.parseInt(p[1]);
            return p[0].equals("100") && second >= 64 && second <= 127;
        }

        static int u16(byte[] f, int at) {
            return ((f[at] & 0xff) << 8) | (f[at + 1] & 0xff);
        }

        static String ipv4(byte[] f, int at) {
            return (f[at] & 0xff) + "." + (f[at + 1] & 0xff) + "." + (f[at + 2] & 0xff) + "." + (f[at + 3] & 0xff);
        }
    }
}
