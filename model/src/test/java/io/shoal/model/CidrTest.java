package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void parsesAndFormatsSubnetsAndInterfaceAddresses() {
        Cidr subnet = Cidr.parse("subnet", "100.64.3.0/24");
        assertThat(subnet.toString()).isEqualTo("100.64.3.0/24");
        assertThat(subnet.isNetwork()).isTrue();
        assertThat(subnet.size()).isEqualTo(256);
        assertThat(Cidr.format(subnet.last())).isEqualTo("100.64.3.255");
        Cidr host = Cidr.parse("address", "100.64.3.7/24");
        assertThat(host.isNetwork()).isFalse();
        assertThat(host.network()).isEqualTo(subnet);
        assertThat(subnet.contains(host.address())).isTrue();
        assertThat(host.inetAddress().getHostAddress()).isEqualTo("100.64.3.7");
        assertThat(Cidr.parse("pool", "0.0.0.0/0").contains(Cidr.parseAddress("a", "x", "255.255.255.255")))
                .isTrue();
    }

    @Test
    void overlapIsSymmetricAndRespectsTheShorterPrefix() {
        Cidr pool = Cidr.parse("a", "100.64.0.0/10");
        Cidr inside = Cidr.parse("b", "100.100.1.0/24");
        Cidr outside = Cidr.parse("c", "100.128.0.0/24");
        assertThat(pool.overlaps(inside)).isTrue();
        assertThat(inside.overlaps(pool)).isTrue();
        assertThat(pool.overlaps(outside)).isFalse();
        assertThat(Cidr.parse("d", "100.64.0.0/25").overlaps(Cidr.parse("e", "100.64.0.128/25")))
                .isFalse();
    }

    @Test
    void badInputNamesTheFieldAndTheValue() {
        assertThatThrownBy(() -> Cidr.parse("subnet", "100.64.0.0"))
                .hasMessage("subnet: '100.64.0.0' is not in CIDR form a.b.c.d/n");
        assertThatThrownBy(() -> Cidr.parse("subnet", "100.64.0.0/33"))
                .hasMessage("subnet: '100.64.0.0/33' prefix length must be 0..32");
        assertThatThrownBy(() -> Cidr.parse("subnet", "100.64.0.256/24"))
                .hasMessage("subnet: '100.64.0.256/24' has an octet above 255");
        assertThatThrownBy(() -> Cidr.parse("subnet", "fd00::/64"))
                .hasMessage("subnet: 'fd00::/64' is not an IPv4 address (IPv6 is not supported)");
        assertThatThrownBy(() -> Cidr.parse("subnet", "1.2.3/8"))
                .hasMessage("subnet: '1.2.3/8' is not an IPv4 address");
        assertThatThrownBy(() -> Cidr.parse("subnet", " ")).hasMessage("subnet: must not be empty");
    }

    @Test
    void jsonIsTheCidrString() throws Exception {
        Cidr c = Cidr.parse("x", "100.64.0.9/24");
        String json = Json.mapper().writeValueAsString(c);
        assertThat(json).isEqualTo("\"100.64.0.9/24\"");
        assertThat(Json.mapper().readValue(json, Cidr.class)).isEqualTo(c);
    }
}
