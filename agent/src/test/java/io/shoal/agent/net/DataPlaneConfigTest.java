package io.shoal.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.dns.netns.ContainerDns.Port53;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataPlaneConfigTest {
    private static DataPlaneConfig withTaskPrefix(String prefix) throws Exception {
        return new DataPlaneConfig(
                (Inet4Address) InetAddress.getByName("198.18.0.1"),
                "sov-abcdef-",
                prefix,
                List.of(),
                Port53.REDIRECT,
                InetAddress.getByName("0.0.0.0"),
                "shoal-ingress",
                Duration.ofSeconds(1),
                null);
    }

    @Test
    void aTaskNamespacePrefixTheSweepCanTrustIsAccepted() throws Exception {
        assertThat(withTaskPrefix("shoal-").taskNamespacePrefix()).isEqualTo("shoal-");
        assertThat(withTaskPrefix("sb12ab-t1-").taskNamespacePrefix()).isEqualTo("sb12ab-t1-");
    }

    @Test
    void aPrefixThatWouldMatchEveryNamespaceOrNoneIsRefusedNamingTheField() {
        // Empty: the agent's sweep would take every namespace on the machine for its own.
        for (String bad : List.of("", "-shoal", "a/b", "x".repeat(33))) {
            assertThatThrownBy(() -> withTaskPrefix(bad))
                    .as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("taskNamespacePrefix must be 1 to 32 characters")
                    .hasMessageContaining("was \"" + bad + "\"");
        }
    }
}
