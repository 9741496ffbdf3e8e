package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.route.RouteNetlink;
import java.net.Inet4Address;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The netlink-driven scaffolding on its own: errors it reports and what it leaves. */
@Tag("integration")
class WiringIntegrationTest {
    private final RunPrefix prefix = RunPrefix.random();
    private final String member = prefix.namespace("h1");
    private final String fabric = prefix.fabricNamespace();

    @BeforeEach
    void requireRoot() {
        Requirements.requireRoot();
    }

    @AfterEach
    void removeEverything() {
        Wiring.deleteNamespace(member);
        Wiring.deleteNamespace(fabric);
        try (RouteNetlink root = RouteNetlink.open()) {
            root.links().deleteIfPresent(prefix + "-a");
        }
    }

    @Test
    void plugInWithoutFabricFailsNamingTheStepAndKeepsTheKernelError() {
        Wiring.addNamespace(member);

        assertThatThrownBy(() -> Wiring.plugIn(
                        fabric, prefix.bridge(), prefix.fabricLink("h1"), member, "eth0", AddressPlan.host(1), 16))
                .isInstanceOf(TestbedException.class)
                .hasMessageContaining("cannot plug " + member)
                .hasMessageContaining(fabric)
                .cause()
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.is(Errno.ENOENT))
                        .isTrue());
    }

    @Test
    void creatingANamespaceTwiceFailsWithEexistAndDeletingTwiceIsNotAnError() {
        Wiring.addNamespace(member);

        assertThatThrownBy(() -> Wiring.addNamespace(member))
                .isInstanceOf(TestbedException.class)
                .hasMessageContaining("cannot create namespace " + member)
                .hasMessageContaining("EEXIST");

        Wiring.deleteNamespace(member);
        assertThat(NetNs.exists(member)).isFalse();
        Wiring.deleteNamespace(member);
    }

    @Test
    void cutAndHealFlipOnlyTheFabricSideOfTheMembersVeth() {
        Wiring.addNamespace(fabric);
        Wiring.addBridge(fabric, prefix.bridge());
        Wiring.addNamespace(member);
        Inet4Address address = AddressPlan.host(1);
        Wiring.plugIn(fabric, prefix.bridge(), prefix.fabricLink("h1"), member, "eth0", address, 16);
        assertThat(Wiring.isLinkUp(fabric, prefix.fabricLink("h1"))).isTrue();

        Wiring.setLink(fabric, prefix.fabricLink("h1"), false);

        assertThat(Wiring.isLinkUp(fabric, prefix.fabricLink("h1"))).isFalse();
        assertThat(Wiring.isLinkUp(member, "eth0")).as("member side stays up").isTrue();

        Wiring.setLink(fabric, prefix.fabricLink("h1"), true);

        assertThat(Wiring.isLinkUp(fabric, prefix.fabricLink("h1"))).isTrue();
    }

    @Test
    void stateOfAMissingLinkIsAnErrorNamingTheLinkAndNamespace() {
        Wiring.addNamespace(fabric);

        assertThatThrownBy(() -> Wiring.isLinkUp(fabric, prefix + "-zz"))
                .isInstanceOf(TestbedException.class)
                .hasMessageContaining(prefix + "-zz")
                .hasMessageContaining(fabric)
                .hasMessageContaining("ENODEV");
    }

    @Test
    void leftoversFindALinkWithTheRunsPrefixInTheRootNamespace() {
        assertThat(Leftovers.find(prefix, List.of()).rootLinks()).isEmpty();
        try (RouteNetlink root = RouteNetlink.open()) {
            // Our own uniquely named veth pair in the root namespace, deleted in @AfterEach.
            root.links().createVeth(prefix + "-a", prefix + "-b");
        }

        Leftovers left = Leftovers.find(prefix, List.of());

        assertThat(left.rootLinks()).containsExactlyInAnyOrder(prefix + "-a", prefix + "-b");
        assertThat(left.isEmpty()).isFalse();
    }
}
