package io.shoal.balancer.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpLiteralsTest {
    @Test
    void parsesIpv4AndIpv6Literals() {
        assertThat(IpLiterals.format(IpLiterals.parse("100.64.0.10", "vip"))).isEqualTo("100.64.0.10");
        assertThat(IpLiterals.parse("2001:db8::1", "vip").getAddress()).hasSize(16);
    }

    @Test
    void refusesNamesAndMalformedAddressesNamingTheField() {
        for (String bad : new String[] {"localhost", "100.64.0", "100.64.0.10.1", "", "1.2.3.4/24", "g::1"}) {
            assertThatThrownBy(() -> IpLiterals.parse(bad, "backend.address"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("backend.address must be an IPv4 or IPv6 literal");
        }
        assertThatThrownBy(() -> IpLiterals.parse("300.1.1.1", "vip")).hasMessageContaining("'300.1.1.1'");
        assertThatThrownBy(() -> IpLiterals.parse(null, "vip")).hasMessageContaining("vip");
    }
}
