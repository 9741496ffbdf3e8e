package io.shoal.testbed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The same image booted the way a machine without user-mode-linux (or a user's laptop with KVM)
 * boots it: Debian's own kernel under qemu ({@code SHOAL_VM_ENGINE=tcg}, emulated CPU, since this
 * machine's KVM cannot boot it; {@code -Dshoal.vm.engine=kvm} where KVM works). One guest, to keep
 * the slow emulation short.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QemuGuestTest {
    private static final String ENGINE = System.getProperty("shoal.vm.qemu.engine", "tcg");
    private static final int SLOW = 120;

    private VmRun vm;

    @BeforeAll
    void bootOneGuest() throws IOException {
        Requirements.requireRoot();
        Requirements.require(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun for the guest's tap");
        vm = new VmRun(ENGINE);
        vm.up(1);
    }

    @AfterAll
    void tearDownLeavesNothing() throws IOException {
        if (vm != null) {
            vm.downLeavesNothing();
        }
    }

    @Test
    void debianKernelRunsWithIpvsAndTheTestAddress() {
        String out = vm.exec(1, SLOW, "uname -r; modprobe ip_vs && head -1 /proc/net/ip_vs; ip -br addr show");

        assertThat(out).containsPattern("(?m)^6\\.1\\.\\d+-\\d+-amd64$");
        assertThat(out).contains("IP Virtual Server version");
        assertThat(out).containsPattern("(?m)^eth0\\s+UP\\s+198\\.18\\.0\\.1/16");
        assertThat(out).containsPattern("(?m)^lo\\s+UNKNOWN\\s+127\\.0\\.0\\.1/8");
    }

    @Test
    void shareCarriesFilesBothWays() throws IOException {
        String token = "from-host-" + vm.name();
        Files.writeString(vm.share().resolve("in.txt"), token);

        String out = vm.exec(1, SLOW, "cat /shoal/in.txt; echo from-guest-$(hostname) > /shoal/out.txt");

        assertThat(out.strip()).isEqualTo(token);
        assertThat(Files.readString(vm.share().resolve("out.txt")).strip()).isEqualTo("from-guest-vm1");
    }
}
