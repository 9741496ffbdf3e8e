package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.netlink.genl.GenlFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IpvsProbeTest {
    @Test
    void missingFamilyIsUnavailableWithTheReasonAndWhereItRuns() {
        assertThat(IpvsProbe.cause(Optional.empty(), false))
                .hasMessageContaining("generic-netlink family \"IPVS\" does not resolve")
                .hasMessageContaining("no /proc/net/ip_vs")
                .hasMessageContaining("VM testbed (issue 10)");
        assertThat(IpvsProbe.cause(Optional.empty(), true)).hasMessageContaining("netlink interface is missing");
    }

    @Test
    void resolvedFamilyIsAvailable() {
        assertThat(IpvsProbe.cause(Optional.of(new GenlFamily("IPVS", 0x1c, 1, 0, 6, Map.of())), true))
                .isNull();
    }

    @Test
    void thisKernelAnswersTheProbeAsProcNetIpVsSays() {
        boolean kernelHasIpvs = Files.exists(Path.of("/proc/net/ip_vs"));

        assertThat(IpvsProbe.isAvailable()).isEqualTo(kernelHasIpvs);
        if (!kernelHasIpvs) {
            assertThat(IpvsProbe.unavailabilityCause().orElseThrow()).hasMessageContaining("\"IPVS\" does not resolve");
            assertThatThrownBy(() -> IpvsBalancer.create(NetworkNamespace.current(), BalancerOptions.defaults()))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessage("IPVS balancing is unavailable")
                    .hasRootCauseMessage(
                            IpvsProbe.unavailabilityCause().orElseThrow().getMessage());
        }
    }
}
