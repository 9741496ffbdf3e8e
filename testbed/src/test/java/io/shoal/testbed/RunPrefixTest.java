package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunPrefixTest {
    @Test
    void randomPrefixIsSbAndFourLowercaseCharacters() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String p = RunPrefix.random().value();
            assertThat(p).matches("sb[a-z0-9]{4}");
            seen.add(p);
        }
        // 36^4 = 1.7M prefixes: 200 draws practically never collide more than a couple of times.
        assertThat(seen).hasSizeGreaterThan(195);
    }

    @Test
    void namesOfARunAreDerivedFromItsPrefix() {
        RunPrefix p = RunPrefix.of("sbq7k2");
        assertThat(p.fabricNamespace()).isEqualTo("sbq7k2-fab");
        assertThat(p.bridge()).isEqualTo("sbq7k2-br");
        assertThat(p.namespace(RunPrefix.hostName(3))).isEqualTo("sbq7k2-h3");
        assertThat(p.fabricLink("lb")).isEqualTo("sbq7k2-lb");
        assertThat(p.owns("sbq7k2-h1")).isTrue();
        assertThat(p.owns("sbq7k3-h1")).isFalse();
        assertThat(p.owns("sbq7k2")).isFalse();
    }

    @Test
    void longestLinkNamesFitTheKernelLimit() {
        RunPrefix p = RunPrefix.random();
        assertThat(p.fabricLink(RunPrefix.checkClientName("abcdefgh"))).hasSize(RunPrefix.MAX_LINK_NAME);
        assertThat(p.fabricLink(RunPrefix.hostName(254))).hasSizeLessThanOrEqualTo(RunPrefix.MAX_LINK_NAME);
        assertThat(p.bridge()).hasSizeLessThanOrEqualTo(RunPrefix.MAX_LINK_NAME);
    }

    @Test
    void badPrefixIsRejectedNamingTheField() {
        for (String bad : new String[] {"sb12", "sbABCD", "xx1234", "sb12345", "", null}) {
            assertThatThrownBy(() -> RunPrefix.of(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("prefix: expected");
        }
    }

    @Test
    void clientNamesThatAreTooLongMalformedOrReservedAreRejected() {
        assertThatThrownBy(() -> RunPrefix.checkClientName("abcdefghi")).hasMessageContaining("client name: expected");
        assertThatThrownBy(() -> RunPrefix.checkClientName("1lb")).hasMessageContaining("client name: expected");
        assertThatThrownBy(() -> RunPrefix.checkClientName("l-b")).hasMessageContaining("client name: expected");
        assertThatThrownBy(() -> RunPrefix.checkClientName("h4")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> RunPrefix.checkClientName("fab")).hasMessageContaining("reserved");
        assertThat(RunPrefix.checkClientName("client1")).isEqualTo("client1");
    }

    @Test
    void ownerOfANamespaceIsFoundOnlyForTheTestbedShape() {
        assertThat(RunPrefix.ownerOf("sbq7k2-h12")).contains(RunPrefix.of("sbq7k2"));
        assertThat(RunPrefix.ownerOf("sbq7k2-fab")).contains(RunPrefix.of("sbq7k2"));
        assertThat(RunPrefix.ownerOf("sbq7k2")).isEmpty();
        assertThat(RunPrefix.ownerOf("nfx1")).isEmpty();
        assertThat(RunPrefix.ownerOf("sbq7k2-H1")).isEmpty();
        assertThat(RunPrefix.ownerOf("xsbq7k2-h1")).isEmpty();
    }
}
