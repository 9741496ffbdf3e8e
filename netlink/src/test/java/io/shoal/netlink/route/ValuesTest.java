package io.shoal.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Argument checks at the boundary: each names the field and what was expected. */
class ValuesTest {
    @Test
    void macAddressParsesAndPrintsInLowerCase() {
        MacAddress mac = MacAddress.parse("02:42:AC:11:00:02");
        assertThat(mac.toString()).isEqualTo("02:42:ac:11:00:02");
        assertThat(mac.bytes()).containsExactly(2, 0x42, 0xac, 0x11, 0, 2);
        assertThat(MacAddress.of(mac.bytes())).isEqualTo(mac).hasSameHashCodeAs(mac);
    }

    @Test
    void badMacAddressesAreRejectedWithTheReason() {
        assertThatThrownBy(() -> MacAddress.parse("02:42:ac:11:00"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("six ':'-separated hex bytes");
        assertThatThrownBy(() -> MacAddress.parse("02:42:ac:11:00:2"))
                .hasMessageContaining("byte 6 must be two hex digits");
        assertThatThrownBy(() -> MacAddress.parse("02:42:zz:11:00:02")).hasMessageContaining("byte 3 is not hex");
        assertThatThrownBy(() -> MacAddress.of(new byte[5])).hasMessageContaining("6 bytes, got 5");
    }

    @Test
    void linkNamesFollowTheKernelRules() {
        Links.checkName("name", "eth0");
        Links.checkName("name", "a23456789012345");
        assertThatThrownBy(() -> Links.checkName("name", "a234567890123456"))
                .hasMessageContaining("1 to 15 characters");
        assertThatThrownBy(() -> Links.checkName("name", "")).hasMessageContaining("1 to 15 characters");
        assertThatThrownBy(() -> Links.checkName("peer", "a b")).hasMessageContaining("peer has an invalid character");
        assertThatThrownBy(() -> Links.checkName("name", "a:1")).hasMessageContaining("invalid character ':'");
        assertThatThrownBy(() -> Links.checkName("name", "..")).hasMessageContaining("\".\" or \"..\"");
    }

    @Test
    void vxlanSpecChecksVniAndPort() throws Exception {
        InetAddress local = InetAddress.getByName("198.18.0.1");
        assertThat(VxlanSpec.of(1, local).port()).isEqualTo(4789);
        assertThat(VxlanSpec.of(0xffffff, local).withUnderlay(3).underlayIndex())
                .isEqualTo(3);
        assertThatThrownBy(() -> VxlanSpec.of(0, local)).hasMessageContaining("vni must be in [1, 16777215], was 0");
        assertThatThrownBy(() -> VxlanSpec.of(1 << 24, local)).hasMessageContaining("vni");
        assertThatThrownBy(() -> new VxlanSpec(1, 0, Optional.of(local), false, 0))
                .hasMessageContaining("port must be in [1, 65535]");
    }

    @Test
    void routesCheckFamiliesAndPrefixes() throws Exception {
        InetAddress v4 = InetAddress.getByName("198.18.0.0");
        InetAddress v6gw = InetAddress.getByName("fd00::1");
        assertThat(Route.defaultVia(InetAddress.getByName("198.18.0.1"), 0).isDefault())
                .isTrue();
        assertThat(Route.defaultVia(v6gw, 2).destination()).isEqualTo(InetAddress.getByName("::"));
        assertThatThrownBy(() -> Route.direct(v4, 33, 1))
                .hasMessageContaining("prefixLength must be in [0, 32], was 33");
        assertThatThrownBy(() -> Route.via(v4, 16, v6gw, 1)).hasMessageContaining("not of the destination's family");
        assertThatThrownBy(() -> Route.direct(v4, 16, 0)).hasMessageContaining("needs a gateway or an output link");
    }
}
