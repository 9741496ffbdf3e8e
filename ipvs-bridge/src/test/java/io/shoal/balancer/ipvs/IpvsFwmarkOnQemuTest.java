package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link IpvsFwmarkBehaviourTest} for real: boots one guest of the VM testbed with Debian's own 6.1
 * kernel under {@code qemu -accel tcg} ({@code SHOAL_VM_ENGINE=tcg}), which has both IPVS and the
 * nf_tables {@code inet} family, and runs the class there. Neither this machine's kernel (no IPVS)
 * nor the user-mode-Linux guest ({@code CONFIG_NF_TABLES_INET} and {@code _IPV4} not set) can run
 * the fwmark path. Passes only when every test of the class ran in the guest and succeeded.
 *
 * <p>{@code -Dshoal.vm.fwmark.connections} sets the connections per spread check (default 300).
 */
@Tag("integration")
class IpvsFwmarkOnQemuTest {
    private static final int CONNECTIONS = Integer.getInteger("shoal.vm.fwmark.connections", 300);
    private static final long SUITE_SECONDS = 600;

    @Test
    void allPortsVipsAreFwmarkServicesOnAKernelThatCanMark() throws Exception {
        GuestSuiteRun.Outcome o = GuestSuiteRun.run(
                "tcg",
                "ip_vs ip_vs_rr veth bridge nf_tables",
                "-Dshoal.vm.fwmark.connections=" + CONNECTIONS,
                SUITE_SECONDS,
                IpvsFwmarkBehaviourTest.class);
        String why = o.why();
        // The spread each check saw, from the guest's log.
        o.log()
                .lines()
                .filter(l -> l.contains(" connections: ") || l.startsWith("lab up"))
                .forEach(l -> System.out.println("guest: " + l));

        assertThat(o.report()).as(why).anyMatch(l -> l.startsWith("summary "));
        assertThat(o.report()).as(why).noneMatch(l -> l.startsWith("skipped ") || l.startsWith("container "));
        Map<String, String> outcome = o.tests();
        assertThat(outcome.keySet()).as(why).containsExactlyInAnyOrderElementsOf(tests());
        assertThat(outcome)
                .as(why)
                .allSatisfy((name, status) -> assertThat(status).as(name).isEqualTo("SUCCESSFUL"));
        assertThat(o.suite().exitCode()).as(why).isZero();
    }

    private static List<String> tests() {
        return Arrays.stream(IpvsFwmarkBehaviourTest.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(Test.class))
                .map(Method::getName)
                .toList();
    }
}
