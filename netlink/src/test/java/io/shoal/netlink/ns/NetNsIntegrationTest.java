package io.shoal.netlink.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.route.Link;
import io.shoal.netlink.route.RouteNetlink;
import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.testing.Scratch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class NetNsIntegrationTest {
    private Scratch scratch;

    @BeforeEach
    void requirements() {
        Requirements.requireNamespaces();
        scratch = new Scratch();
    }

    @AfterEach
    void cleanUp() {
        if (scratch != null) {
            scratch.close();
        }
    }

    private static String netnsOfThisThread() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    @Test
    void createdNamespaceIsMountedUnderRunNetnsAndDeletedAgain() throws Exception {
        NetNs ns = scratch.namespace("c");
        assertThat(NetNs.exists(ns.name())).isTrue();
        assertThat(NetNs.list()).contains(ns.name());
        // As with iproute2, /run/netns is a shared mount point so the mount shows in every mount
        // namespace, and the namespace file is a bind mount of its own.
        java.util.List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        assertThat(mounts).anyMatch(l -> l.split(" ")[4].equals("/run/netns") && l.contains(" shared:"));
        assertThat(mounts).anyMatch(l -> l.split(" ")[4].equals("/run/netns/" + ns.name()));
        String inside = ns.run(NetNsIntegrationTest::netnsOfThisThread);
        assertThat(inside).isNotEqualTo(netnsOfThisThread());
        // The bind mount is the same namespace as the one we entered.
        try (NetNs again = NetNs.open(ns.name())) {
            assertThat(again.run(NetNsIntegrationTest::netnsOfThisThread)).isEqualTo(inside);
        }
        ns.close();
        NetNs.delete(ns.name());
        assertThat(NetNs.exists(ns.name())).isFalse();
    }

    @Test
    void attachNamesAnExistingNamespaceAndDeleteLeavesItAlive() throws Exception {
        NetNs original = scratch.namespace("o");
        String inside = original.run(NetNsIntegrationTest::netnsOfThisThread);
        String alias = scratch.name("a");
        scratch.track(alias);
        try (NetNs attached = NetNs.attach(alias, Path.of("/run/netns", original.name()))) {
            assertThat(attached.run(NetNsIntegrationTest::netnsOfThisThread)).isEqualTo(inside);
        }
        assertThatThrownBy(() -> NetNs.attach(alias, Path.of("/run/netns", original.name())))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("EEXIST");
        NetNs.delete(alias);
        assertThat(NetNs.exists(alias)).isFalse();
        assertThat(original.run(NetNsIntegrationTest::netnsOfThisThread)).isEqualTo(inside);
        assertThatThrownBy(() -> NetNs.attach(scratch.name("m"), Path.of("/proc/0/ns/net")))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("bind-mount /proc/0/ns/net");
        assertThat(NetNs.exists(scratch.name("m"))).isFalse();
    }

    @Test
    void aNameWhoseMountWasLostIsStaleAndCanBeMadeAgain() throws Exception {
        NetNs live = scratch.namespace("l");
        assertThat(NetNs.isStale(live.name())).isFalse();
        String lost = scratch.name("s");
        scratch.track(lost);
        Files.createFile(NetNs.RUN_NETNS.resolve(lost)); // what a dead private mount namespace leaves
        assertThat(NetNs.isStale(lost)).isTrue();
        assertThatThrownBy(() -> {
                    try (NetNs n = NetNs.open(lost)) {
                        n.run(() -> null);
                    }
                })
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("EINVAL");
        NetNs.delete(lost);
        NetNs.create(lost).close();
        assertThat(NetNs.isStale(lost)).isFalse();
        assertThat(NetNs.isStale(scratch.name("absent"))).isFalse();
    }

    @Test
    void creatingAnExistingNamespaceFailsWithEexist() {
        NetNs ns = scratch.namespace("e");
        assertThatThrownBy(() -> NetNs.create(ns.name()))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("create namespace file /run/netns/" + ns.name())
                .hasMessageContaining("EEXIST");
        assertThat(NetNs.exists(ns.name())).isTrue();
    }

    @Test
    void missingNamespaceFailsWithEnoent() {
        String name = scratch.name("z");
        assertThatThrownBy(() -> NetNs.open(name))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("ENOENT");
        assertThatThrownBy(() -> NetNs.delete(name)).isInstanceOf(NetlinkException.class);
        assertThat(NetNs.deleteIfPresent(name)).isFalse();
    }

    @Test
    void runLeavesTheCallingThreadInItsNamespaceAndPropagatesFailures() throws Exception {
        NetNs ns = scratch.namespace("r");
        String before = netnsOfThisThread();
        String threadName = ns.run(() -> Thread.currentThread().getName());
        assertThat(threadName).isEqualTo("netns-" + ns.name());
        assertThat(netnsOfThisThread()).isEqualTo(before);
        assertThatThrownBy(() -> ns.run(() -> {
                    throw new IllegalStateException("boom inside");
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("boom inside");
        assertThatThrownBy(() -> ns.run(() -> {
                    throw new IOException("checked inside");
                }))
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void namespaceOfAPidIsOpened() throws Exception {
        try (NetNs mine = NetNs.openPid((int) ProcessHandle.current().pid())) {
            // The process's main thread is in the namespace the JVM started in.
            assertThat(mine.run(NetNsIntegrationTest::netnsOfThisThread))
                    .isEqualTo(
                            Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
        }
    }

    @Test
    void socketOpenedInsideKeepsTalkingToThatNamespace() {
        NetNs ns = scratch.namespace("s");
        try (RouteNetlink inside = RouteNetlink.open(ns)) {
            inside.links().createBridge("brx");
            // Used from this thread, which is in another namespace, the socket still sees "brx".
            assertThat(inside.links().list()).extracting(Link::name).containsExactlyInAnyOrder("lo", "brx");
        }
    }

    @Test
    void tcpExchangeCrossesAVethBetweenTwoNamespaces() throws Exception {
        NetNs left = scratch.namespace("L");
        NetNs right = scratch.namespace("R");
        InetAddress leftIp = InetAddress.getByName("198.18.44.1");
        InetAddress rightIp = InetAddress.getByName("198.18.44.2");
        try (RouteNetlink l = RouteNetlink.open(left);
                RouteNetlink r = RouteNetlink.open(right)) {
            l.links().createVeth("vl", "vr", right);
            l.addresses().add(l.links().require("vl").index(), leftIp, 24);
            r.addresses().add(r.links().require("vr").index(), rightIp, 24);
            l.links().setUp("vl");
            r.links().setUp("vr");
        }

        try (ServerSocket server = left.run(() -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(leftIp, 0));
            return s;
        })) {
            int port = server.getLocalPort();
            try (Socket client = right.run(() -> {
                        Socket s = new Socket();
                        s.connect(new InetSocketAddress(leftIp, port), 5000);
                        return s;
                    });
                    Socket accepted = server.accept()) {
                client.setSoTimeout(5000);
                accepted.setSoTimeout(5000);
                assertThat(accepted.getInetAddress()).isEqualTo(rightIp);
                send(client.getOutputStream(), "ping from right");
                assertThat(receive(accepted.getInputStream(), 15)).isEqualTo("ping from right");
                send(accepted.getOutputStream(), "pong from left");
                assertThat(receive(client.getInputStream(), 14)).isEqualTo("pong from left");
            }
        }
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String receive(InputStream in, int length) throws IOException {
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }
}
