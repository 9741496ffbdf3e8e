package io.shoal.testbed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Boots three real Linux kernels (Debian's user-mode-linux, 6.1, which has IPVS) with {@code
 * vm/up.sh 3} and proves what the IPVS balancer needs: the guests reach each other, a virtual
 * service on an overlay VIP spreads requests over all real servers, and a JVM inside a guest
 * talks through that VIP. {@code vm/down.sh} always runs, and the test checks it left nothing.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmTestbedTest {
    private static final int GUESTS = 3;
    /** {@code -Dshoal.vm.engine=tcg} (or kvm) runs the same scenarios on Debian's own kernel under qemu. */
    private static final String ENGINE = System.getProperty("shoal.vm.engine", "uml");

    private VmRun vms;

    @BeforeAll
    void bootThreeGuests() throws IOException {
        Requirements.requireRoot();
        Requirements.require(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun for the guests' taps");
        vms = new VmRun(ENGINE);
        vms.up(GUESTS);
        // Real servers for the IPVS scenarios: guests 2..N serve their own name over HTTP.
        for (int i = 2; i <= GUESTS; i++) {
            inGuest(i, "busybox httpd -p 80 -h /srv/www");
        }
    }

    @AfterAll
    void tearDownLeavesNothing() throws IOException {
        if (vms != null) {
            vms.downLeavesNothing();
        }
    }

    @Test
    void guestsExchangeDataOverTcp() {
        for (int i = 1; i <= GUESTS; i++) {
            // Started in the background; the script returns once the port listens (or fails).
            inGuest(
                    i,
                    """
                    setsid socat TCP-LISTEN:7100,reuseaddr,fork SYSTEM:'echo reply-from-$(hostname)' \
                      </dev/null >/dev/null 2>&1 &
                    for k in $(seq 100); do ss -Htln sport = :7100 | grep -q . && exit 0; sleep 0.1; done
                    exit 1
                    """);
        }
        for (int from = 1; from <= GUESTS; from++) {
            for (int to = 1; to <= GUESTS; to++) {
                if (from != to) {
                    // -u: only read, until the server closes; a two-way socat would give up 0.5 s
                    // after its own (empty) input ended.
                    String answer = inGuest(from, "socat -u -T 10 TCP:198.18.0." + to + ":7100,connect-timeout=5 -");
                    assertThat(answer.strip()).as("vm" + from + " -> vm" + to).isEqualTo("reply-from-vm" + to);
                }
            }
        }
    }

    @Test
    void ipvsVirtualServiceSpreadsRequestsOverEveryRealServer() {
        String vip = "100.64.0.10";
        createVirtualService(vip, "rr");
        int requests = 4 * (GUESTS - 1);

        String answers =
                inGuest(1, "for k in $(seq " + requests + "); do curl -s --max-time 5 http://" + vip + "/; done");

        List<String> lines = answers.lines().map(String::strip).toList();
        assertThat(lines).hasSize(requests);
        for (int i = 2; i <= GUESTS; i++) {
            // Round robin: each real server gets exactly its share.
            assertThat(lines)
                    .as("answers through the VIP")
                    .filteredOn(("vm" + i)::equals)
                    .hasSize(4);
        }
        String table = inGuest(1, "ipvsadm -L -n -t " + vip + ":80");
        for (int i = 2; i <= GUESTS; i++) {
            assertThat(table).contains("198.18.0." + i + ":80").contains("Masq");
        }
    }

    @Test
    void otherIpvsSchedulersLoadInTheGuestKernel() {
        String modules = inGuest(1, "for m in ip_vs_mh ip_vs_wrr ip_vs_sh ip_vs_lc; do modprobe $m; done; lsmod");
        assertThat(modules).contains("ip_vs_mh", "ip_vs_wrr", "ip_vs_sh", "ip_vs_lc");
    }

    @Test
    void jvmInsideAGuestReachesEveryRealServerThroughTheVip() throws IOException {
        String vip = "100.64.0.11";
        createVirtualService(vip, "rr");
        String probe = GuestProbe.class.getName().replace('.', '/') + ".class";
        Path target = vms.share().resolve("classes").resolve(probe);
        Files.createDirectories(target.getParent());
        try (var in = GuestProbe.class.getClassLoader().getResourceAsStream(probe)) {
            assertThat(in).as(probe).isNotNull();
            Files.copy(in, target);
        }
        int requests = 2 * (GUESTS - 1);

        String out = inGuest(
                1,
                180,
                "java -Xshare:auto -XX:TieredStopAtLevel=1 -cp /shoal/classes " + GuestProbe.class.getName()
                        + " http://" + vip + "/ " + requests);

        assertThat(out).contains("kernel 6.1.").contains("ipvs true");
        List<String> answers = out.lines()
                .filter(l -> l.startsWith("answer "))
                .map(l -> l.substring(7))
                .toList();
        assertThat(answers).hasSize(requests);
        for (int i = 2; i <= GUESTS; i++) {
            assertThat(answers).contains("vm" + i);
        }
    }

    /** A NAT-mode virtual service on {@code vip}:80 in guest 1 with guests 2..N as real servers. */
    private void createVirtualService(String vip, String scheduler) {
        // A connect to the VIP needs a route before IPVS sees the packet: the VIP goes on a dummy
        // link (this kernel has one; the machine's own kernel does not). A local client connecting
        // to a local address takes that address as its source, and the real servers have no route
        // back to the VIP, so the local route names the guest's own address as the source.
        StringBuilder script = new StringBuilder(String.format(
                """
                set -e
                modprobe ip_vs; modprobe ip_vs_%2$s; modprobe dummy
                ip link show vips >/dev/null 2>&1 || ip link add vips type dummy
                ip link set vips up
                ip addr add %1$s/32 dev vips
                ip route replace local %1$s dev vips proto kernel scope host src 198.18.0.1 table local
                ipvsadm -A -t %1$s:80 -s %2$s
                """,
                vip, scheduler));
        for (int i = 2; i <= GUESTS; i++) {
            script.append(String.format("ipvsadm -a -t %s:80 -r 198.18.0.%d:80 -m%n", vip, i));
        }
        inGuest(1, script.toString());
    }

    private String inGuest(int guest, String script) {
        return vms.exec(guest, 60, script);
    }

    private String inGuest(int guest, int seconds, String script) {
        return vms.exec(guest, seconds, script);
    }
}
