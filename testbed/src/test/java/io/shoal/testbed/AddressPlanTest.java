package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressPlanTest {
    @Test
    void hostIGets198dot18dot0dotI() {
        assertThat(AddressPlan.host(1).getHostAddress()).isEqualTo("198.18.0.1");
        assertThat(AddressPlan.host(254).getHostAddress()).isEqualTo("198.18.0.254");
    }

    @Test
    void clientsLiveIn198dot18dot1() {
        assertThat(AddressPlan.client(1).getHostAddress()).isEqualTo("198.18.1.1");
        assertThat(AddressPlan.client(200).getHostAddress()).isEqualTo("198.18.1.200");
    }

    @Test
    void cidrUsesTheSharedSlash16() {
        assertThat(AddressPlan.cidr(AddressPlan.host(3))).isEqualTo("198.18.0.3/16");
    }

    @Test
    void indexOutsideOneTo254IsRejectedNamingTheField() {
        assertThatThrownBy(() -> AddressPlan.host(0)).hasMessage("host index: expected 1..254, got 0");
        assertThatThrownBy(() -> AddressPlan.host(255)).hasMessage("host index: expected 1..254, got 255");
        assertThatThrownBy(() -> AddressPlan.client(-1)).hasMessage("client index: expected 1..254, got -1");
    }

    @Test
    void builderRejectsHostCountsOutsideThePlan() {
        assertThatThrownBy(() -> Testbed.builder().hosts(0)).hasMessage("hosts: expected 1..254, got 0");
        assertThatThrownBy(() -> Testbed.builder().hosts(255)).hasMessage("hosts: expected 1..254, got 255");
    }
}
