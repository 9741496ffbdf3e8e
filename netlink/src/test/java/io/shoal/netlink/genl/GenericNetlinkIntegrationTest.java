package io.shoal.netlink.genl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.uapi.GenetlinkH;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class GenericNetlinkIntegrationTest {
    @Test
    void controllerResolvesItselfWithIdAndMulticastGroup() {
        Requirements.requireNamespaces();
        try (GenericNetlink genl = GenericNetlink.open()) {
            GenlFamily ctrl = genl.family("nlctrl").orElseThrow();
            assertThat(ctrl.name()).isEqualTo("nlctrl");
            assertThat(ctrl.id()).isEqualTo(GenetlinkH.GENL_ID_CTRL);
            assertThat(ctrl.version()).isPositive();
            // nlctrl has no family header of its own after genlmsghdr.
            assertThat(ctrl.headerSize()).isZero();
            assertThat(ctrl.multicastGroups()).containsKey("notify");
        }
    }

    @Test
    void ipvsPresenceMatchesTheKernel() {
        Requirements.requireNamespaces();
        try (GenericNetlink genl = GenericNetlink.open()) {
            var ipvs = genl.family("IPVS");
            // Asking may autoload ip_vs; afterwards /proc/net/ip_vs tells whether the kernel has it.
            boolean kernelHasIpvs = Files.exists(Path.of("/proc/net/ip_vs"));
            assertThat(ipvs.isPresent()).isEqualTo(kernelHasIpvs);
            if (!kernelHasIpvs) {
                assertThatThrownBy(() -> genl.requireFamily("IPVS"))
                        .isInstanceOf(NetlinkException.class)
                        .hasMessageContaining("CTRL_CMD_GETFAMILY \"IPVS\"")
                        .hasMessageContaining("ENOENT")
                        .hasMessageContaining("no generic-netlink family \"IPVS\"");
            }
        }
    }

    @Test
    void unknownFamilyIsEmpty() {
        Requirements.requireNamespaces();
        try (GenericNetlink genl = GenericNetlink.open()) {
            assertThat(genl.family("shoal-nosuch")).isEmpty();
        }
    }
}
