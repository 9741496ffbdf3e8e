package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpvsSupportTest {
    @Test
    void kernelWithoutProcIpVsHasNoIpvs(@TempDir Path dir) {
        assertThat(IpvsSupport.probe(dir.resolve("ip_vs")))
                .hasMessageContaining("no " + dir.resolve("ip_vs") + ": this kernel has no IPVS");
    }

    @Test
    void kernelWithIpvsStillWaitsForTheNetlinkBackend(@TempDir Path dir) throws Exception {
        Path proc = Files.createFile(dir.resolve("ip_vs"));
        assertThat(IpvsSupport.probe(proc)).hasMessageContaining("needs the netlink module (issue #3)");
    }

    @Test
    void availabilityFollowsTheProbeOfThisMachine() {
        assertThat(IpvsSupport.isAvailable()).isFalse();
        assertThat(IpvsSupport.unavailabilityCause()).isPresent();
        if (!Files.exists(Path.of("/proc/net/ip_vs"))) {
            assertThat(IpvsSupport.unavailabilityCause().orElseThrow()).hasMessageContaining("no /proc/net/ip_vs");
        }
    }
}
