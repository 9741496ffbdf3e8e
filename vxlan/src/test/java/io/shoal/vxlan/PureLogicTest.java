package io.shoal.vxlan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.route.MacAddress;
import java.net.Inet4Address;
import org.junit.jupiter.api.Test;

class PureLogicTest {
    static Inet4Address ip(String text) {
        return Ipv4.parse("ip", text);
    }

    @Test
    void macIsDockersPrefixFollowedByTheAddressBytes() {
        assertThat(Macs.fromIp(ip("100.64.1.2"))).isEqualTo(MacAddress.parse("02:42:64:40:01:02"));
        assertThat(Macs.fromIp(ip("100.127.255.254")).toString()).isEqualTo("02:42:64:7f:ff:fe");
        assertThat(Macs.fromIp(ip("100.64.1.2"))).isNotEqualTo(Macs.fromIp(ip("100.64.1.3")));
    }

    @Test
    void remoteOfDerivesItsMac() {
        Remote r = Remote.of(ip("100.64.0.9"), ip("198.18.0.2"));
        assertThat(r.mac()).isEqualTo(MacAddress.parse("02:42:64:40:00:09"));
        assertThat(r.toString()).isEqualTo("100.64.0.9 02:42:64:40:00:09 via 198.18.0.2");
    }

    @Test
    void mtuDefaultsToUnderlayMinusVxlanOverhead() {
        assertThat(OverlayMtu.resolve(OverlayMtu.DEFAULT, 1500)).isEqualTo(1450);
        assertThat(OverlayMtu.resolve(OverlayMtu.DEFAULT, 9000)).isEqualTo(8950);
        assertThat(OverlayMtu.resolve(1400, 1500)).isEqualTo(1400);
        assertThat(OverlayMtu.resolve(1450, 1500)).isEqualTo(1450);
    }

    @Test
    void mtuTooSmallOrTooLargeNamesTheField() {
        assertThatThrownBy(() -> OverlayMtu.resolve(60, 1500))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mtu must be at least 68")
                .hasMessageContaining("was 60");
        assertThatThrownBy(() -> OverlayMtu.resolve(1451, 1500))
                .hasMessageContaining("mtu must be at most 1450")
                .hasMessageContaining("was 1451");
        assertThatThrownBy(() -> OverlayMtu.resolve(OverlayMtu.DEFAULT, 100))
                .hasMessageContaining("underlay MTU 100 is too small");
    }

    @Test
    void subnetParsesGatewayBroadcastAndMembership() {
        Subnet s = Subnet.parse("100.64.1.0/24");
        assertThat(s.network()).isEqualTo(ip("100.64.1.0"));
        assertThat(s.prefixLength()).isEqualTo(24);
        assertThat(s.gateway()).isEqualTo(ip("100.64.1.1"));
        assertThat(s.broadcast()).isEqualTo(ip("100.64.1.255"));
        assertThat(s.contains(ip("100.64.1.77"))).isTrue();
        assertThat(s.contains(ip("100.64.2.1"))).isFalse();
        assertThat(Subnet.parse("100.64.0.0/10").broadcast()).isEqualTo(ip("100.127.255.255"));
        assertThat(s).isEqualTo(Subnet.parse("100.64.1.0/24")).hasToString("100.64.1.0/24");
    }

    @Test
    void badSubnetsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> Subnet.parse("100.64.1.0")).hasMessageStartingWith("subnet must be written a.b.c.d/n");
        assertThatThrownBy(() -> Subnet.parse("100.64.1/24")).hasMessageStartingWith("subnet must be an IPv4 address");
        assertThatThrownBy(() -> Subnet.parse("100.64.1.300/24")).hasMessageContaining("octets 0..255");
        assertThatThrownBy(() -> Subnet.parse("100.64.1.0/33")).hasMessageContaining("subnet prefix length");
        assertThatThrownBy(() -> Subnet.parse("100.64.1.0/31")).hasMessageContaining("[1, 30]");
        assertThatThrownBy(() -> Subnet.parse("100.64.1.0/x")).hasMessageContaining("subnet must be written");
        assertThatThrownBy(() -> Subnet.parse("100.64.1.5/24"))
                .hasMessage("subnet must have no host bits set: expected \"100.64.1.0/24\", was \"100.64.1.5/24\"");
        assertThatThrownBy(() -> Subnet.parse("example.org/24")).hasMessageContaining("subnet must be an IPv4 address");
    }

    @Test
    void endpointAddressMustBeAHostOfTheSubnetOtherThanTheGateway() {
        Subnet s = Subnet.parse("100.64.1.0/24");
        s.checkEndpointAddress("ip", ip("100.64.1.2"));
        assertThatThrownBy(() -> s.checkEndpointAddress("ip", ip("100.64.2.2")))
                .hasMessage("ip 100.64.2.2 is outside the network's subnet 100.64.1.0/24");
        assertThatThrownBy(() -> s.checkEndpointAddress("ip", ip("100.64.1.1"))).hasMessageContaining("gateway");
        assertThatThrownBy(() -> s.checkEndpointAddress("ip", ip("100.64.1.0")))
                .hasMessageContaining("network or broadcast");
        assertThatThrownBy(() -> s.checkEndpointAddress("ip", ip("100.64.1.255")))
                .hasMessageContaining("broadcast");
    }

    @Test
    void ipPrefixParses() {
        IpPrefix p = IpPrefix.parse("ip", "100.64.1.2/24");
        assertThat(p.address()).isEqualTo(ip("100.64.1.2"));
        assertThat(p.prefixLength()).isEqualTo(24);
        assertThat(p).hasToString("100.64.1.2/24");
        assertThatThrownBy(() -> IpPrefix.parse("ip", "100.64.1.2/24/1")).hasMessageStartingWith("ip must be written");
        assertThatThrownBy(() -> IpPrefix.parse("ip", "1.2.3.4.5/24")).hasMessageStartingWith("ip must be an IPv4");
        assertThatThrownBy(() -> IpPrefix.parse("ip", "100.64.1.2/-1")).hasMessageStartingWith("ip must be written");
    }

    @Test
    void namesAreDerivedAndShort() {
        SandboxNames n = new SandboxNames("sov-");
        assertThat(n.sandbox("netA")).isEqualTo("sov-netA");
        assertThat(n.sandbox("0123456789abcdef0123")).isEqualTo("sov-0123456789ab");
        assertThat(n.isSandbox("sov-0123")).isTrue();
        assertThat(n.isSandbox("sov-")).isFalse();
        assertThat(n.isSandbox("other")).isFalse();
        assertThat(SandboxNames.hostVxlan(4097)).isEqualTo("vxt001001");
        assertThat(SandboxNames.hostVxlan(OverlayDriver.MAX_VNI))
                .isEqualTo("vxtffffff")
                .hasSizeLessThanOrEqualTo(15);
        assertThat(SandboxNames.sandboxVeth(ip("100.64.1.2"))).isEqualTo("ve64400102");
    }

    @Test
    void badNamesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> SandboxNames.checkId("")).hasMessageStartingWith("networkId must be");
        assertThatThrownBy(() -> SandboxNames.checkId("a/b")).hasMessageContaining("\"a/b\"");
        assertThatThrownBy(() -> SandboxNames.checkId("x".repeat(65))).hasMessageStartingWith("networkId");
        assertThatThrownBy(() -> new SandboxNames("Bad Prefix")).hasMessageStartingWith("sandboxPrefix");
        assertThatThrownBy(() -> SandboxNames.checkInterfaceName("eth0 ")).hasMessageStartingWith("ifName");
        assertThatThrownBy(() -> SandboxNames.checkInterfaceName("a-very-long-name0"))
                .hasMessageStartingWith("ifName");
        SandboxNames.checkInterfaceName("eth1");
    }

    @Test
    void containerNamespaceRefusesABadPidAndNamesWhereItIs() {
        assertThatThrownBy(() -> ContainerNamespace.pid(0)).hasMessage("pid must be > 0, was 0");
        assertThat(ContainerNamespace.pid(42)).hasToString("pid 42");
        assertThat(ContainerNamespace.path(java.nio.file.Path.of("/run/netns/x")))
                .hasToString("/run/netns/x");
    }

    @Test
    void desiredNetworkHoldsImmutableCopies() {
        DesiredNetwork n =
                new DesiredNetwork("a", 1, "100.64.1.0/24", 0, new java.util.ArrayList<>(), new java.util.HashSet<>());
        assertThat(n.endpoints()).isEmpty();
        assertThatThrownBy(() -> n.endpoints().add(null)).isInstanceOf(UnsupportedOperationException.class);
    }
}
