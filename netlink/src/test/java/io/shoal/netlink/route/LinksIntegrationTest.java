package io.shoal.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.testing.Scratch;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class LinksIntegrationTest {
    private Scratch scratch;
    private NetNs ns;
    private RouteNetlink rt;

    @BeforeEach
    void namespace() {
        Requirements.requireNamespaces();
        scratch = new Scratch();
        ns = scratch.namespace("l");
        rt = RouteNetlink.open(ns);
    }

    @AfterEach
    void cleanUp() {
        if (rt != null) {
            rt.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void freshNamespaceHoldsOnlyLoopback() {
        assertThat(rt.links().list()).extracting(Link::name).containsExactly("lo");
        Link lo = rt.links().require("lo");
        assertThat(lo.index()).isEqualTo(1);
        assertThat(lo.isUp()).isFalse();
    }

    @Test
    void vethPairAndBridgeAreCreatedConfiguredAndDumped() {
        Links links = rt.links();
        links.createVeth("va", "vb");
        links.createBridge("br0");
        links.setMtu("va", 1400);
        links.setMac("va", MacAddress.parse("02:00:c6:12:00:01"));
        links.setMaster("va", "br0");
        links.setUp("br0");
        links.setUp("va");
        links.setUp("vb");

        Link bridge = links.require("br0");
        Link va = links.require("va");
        assertThat(bridge.kind()).contains("bridge");
        assertThat(va.kind()).contains("veth");
        assertThat(va.mtu()).isEqualTo(1400);
        assertThat(va.mac()).contains(MacAddress.parse("02:00:c6:12:00:01"));
        assertThat(va.masterIndex()).isEqualTo(bridge.index());
        assertThat(va.isUp()).isTrue();
        assertThat(links.get(va.index())).contains(va);
        assertThat(links.list()).extracting(Link::name).containsExactlyInAnyOrder("lo", "va", "vb", "br0");

        links.setDown("va");
        links.clearMaster("va");
        assertThat(links.require("va").isUp()).isFalse();
        assertThat(links.require("va").hasMaster()).isFalse();
    }

    @Test
    void renameNeedsTheLinkDownAndKeepsItsIndex() {
        rt.links().createVeth("va", "vb");
        int index = rt.links().require("va").index();
        rt.links().rename("va", "eth0");
        assertThat(rt.links().get("va")).isEmpty();
        assertThat(rt.links().require("eth0").index()).isEqualTo(index);
    }

    @Test
    void vxlanIsCreatedWithVniPortLocalAndLearningOff() throws Exception {
        InetAddress local = InetAddress.getByName("198.18.3.1");
        rt.links().createVxlan("vx0", VxlanSpec.of(4242, local));
        Link vx = rt.links().require("vx0");
        assertThat(vx.kind()).contains("vxlan");
        assertThat(vx.vxlan()).contains(new VxlanSpec(4242, 4789, java.util.Optional.of(local), false, 0));
        // Another device with the same VNI and port in the same namespace is refused.
        assertThatThrownBy(() -> rt.links().createVxlan("vx1", VxlanSpec.of(4242, local)))
                .isInstanceOf(NetlinkException.class)
                .satisfies(
                        e -> assertThat(((NetlinkException) e).is(Errno.EEXIST)).isTrue())
                .hasMessageContaining("RTM_NEWLINK create vxlan \"vx1\" vni 4242")
                // The kernel's extended-ack text is carried along.
                .satisfies(e -> assertThat(((NetlinkException) e).kernelMessage())
                        .hasValueSatisfying(text -> assertThat(text).contains("VNI already exists")));
    }

    @Test
    void creatingAnExistingLinkFailsWithEexistNamingTheRequest() {
        rt.links().createBridge("br0");
        assertThatThrownBy(() -> rt.links().createBridge("br0"))
                .isInstanceOf(NetlinkException.class)
                .hasMessageStartingWith("RTM_NEWLINK create bridge \"br0\" failed: EEXIST (File exists)")
                .satisfies(e -> {
                    NetlinkException ne = (NetlinkException) e;
                    assertThat(ne.errnoName()).isEqualTo("EEXIST");
                    assertThat(ne.errno()).isEqualTo(17);
                    assertThat(ne.operation()).isEqualTo("RTM_NEWLINK create bridge \"br0\"");
                });
    }

    @Test
    void deletingAMissingLinkFailsWithEnodev() {
        assertThatThrownBy(() -> rt.links().delete("nosuch"))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_DELLINK delete link \"nosuch\" failed: ENODEV (No such device)");
        assertThat(rt.links().deleteIfPresent("nosuch")).isFalse();
        assertThat(rt.links().get("nosuch")).isEmpty();
    }

    @Test
    void deletingOneVethEndRemovesBoth() {
        rt.links().createVeth("va", "vb");
        rt.links().delete("vb");
        assertThat(rt.links().list()).extracting(Link::name).containsExactly("lo");
    }

    @Test
    void enslavingToANonBridgeFailsWithEopnotsupp() {
        rt.links().createVeth("va", "vb");
        assertThatThrownBy(() -> rt.links().setMaster("va", "vb"))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("RTM_NEWLINK set master \"vb\" on \"va\" failed: EOPNOTSUPP");
    }

    @Test
    void vethEndMovesIntoAnotherNamespaceByFd() {
        NetNs other = scratch.namespace("m");
        rt.links().createVeth("va", "vb");
        rt.links().moveToNamespace("vb", other);
        assertThat(rt.links().get("vb")).isEmpty();
        try (RouteNetlink there = RouteNetlink.open(other)) {
            assertThat(there.links().require("vb").kind()).contains("veth");
        }
    }

    @Test
    void vethEndMovesAndIsRenamedInOneRequest() {
        NetNs other = scratch.namespace("m");
        rt.links().createVeth("va", "vb");
        rt.links().moveToNamespace("vb", other, "eth0");
        try (RouteNetlink there = RouteNetlink.open(other)) {
            assertThat(there.links().list()).extracting(Link::name).containsExactlyInAnyOrder("lo", "eth0");
        }
    }

    @Test
    void vethPeerIsCreatedDirectlyInAnotherNamespace() {
        NetNs other = scratch.namespace("p");
        rt.links().createVeth("va", "vb", other);
        assertThat(rt.links().get("vb")).isEmpty();
        try (RouteNetlink there = RouteNetlink.open(other)) {
            assertThat(there.links().require("vb").kind()).contains("veth");
        }
    }

    @Test
    void vethEndMovesIntoTheNamespaceOfAProcess() throws Exception {
        // A process with a network namespace of its own (util-linux unshare), killed afterwards.
        Process holder = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try {
            rt.links().createVeth("va", "vb");
            org.awaitility.Awaitility.await()
                    .atMost(5, TimeUnit.SECONDS)
                    .until(() -> !readLink("/proc/" + holder.pid() + "/ns/net").equals(readLink("/proc/self/ns/net")));
            rt.links().moveToNamespaceOfPid("vb", (int) holder.pid());
            assertThat(rt.links().get("vb")).isEmpty();
            try (NetNs theirs = NetNs.openPid((int) holder.pid());
                    RouteNetlink there = RouteNetlink.open(theirs)) {
                assertThat(there.links().require("vb").kind()).contains("veth");
            }
        } finally {
            holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void badNamesAreRejectedBeforeReachingTheKernel() {
        assertThatThrownBy(() -> rt.links().createBridge("a-name-longer-than-15"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must be 1 to 15 characters");
        assertThatThrownBy(() -> rt.links().createVeth("ok", "bad/name")).hasMessageContaining("peer has an invalid");
        assertThatThrownBy(() -> rt.links().setMtu("lo", 10)).hasMessageContaining("mtu must be in [68, 65535]");
    }

    private static String readLink(String path) throws java.io.IOException {
        return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of(path)).toString();
    }
}
