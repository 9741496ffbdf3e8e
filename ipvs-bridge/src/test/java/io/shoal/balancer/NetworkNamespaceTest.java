package io.shoal.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NetworkNamespaceTest {
    @Test
    void namedNamespaceLivesUnderRunNetns() {
        assertThat(NetworkNamespace.named("c1").path()).isEqualTo(Path.of("/run/netns/c1"));
        assertThat(NetworkNamespace.named("c1")).isEqualTo(NetworkNamespace.named("c1"));
        assertThat(NetworkNamespace.current().isCurrent()).isTrue();
    }

    @Test
    void namesThatCouldEscapeTheDirectoryAreRefused() {
        for (String bad : new String[] {"", "..", "a/b", "a b", "x".repeat(65)}) {
            assertThatThrownBy(() -> NetworkNamespace.named(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("namespace name must be 1..64 characters");
        }
        assertThatThrownBy(() -> NetworkNamespace.named(null)).hasMessageContaining("was 'null'");
    }
}
