package io.shoal.controlplane.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.model.NodeRole;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class JoinTokensTest {
    private final JoinTokens.Tokens tokens = JoinTokens.generate(new SecureRandom());
    private final JoinTokens.Digests digests = JoinTokens.digests(tokens);
    private final JoinTokens check = JoinTokens.of(digests);

    @Test
    void eachTokenGrantsItsRole() {
        assertThat(check.verify(tokens.worker())).isEqualTo(NodeRole.WORKER);
        assertThat(check.verify(tokens.manager())).isEqualTo(NodeRole.MANAGER);
        assertThat(check.verify(" " + tokens.worker() + "\n")).isEqualTo(NodeRole.WORKER);
    }

    @Test
    void onlyDigestsAreKeptAndTheyDoNotContainTheSecret() {
        assertThat(digests.worker()).hasSize(64).isNotEqualTo(tokens.worker());
        assertThat(tokens.worker()).doesNotContain(digests.worker());
        assertThat(tokens.worker()).isNotEqualTo(tokens.manager()).startsWith("SHOALTKN-1-worker-");
    }

    @Test
    void aWellFormedTokenOfAnotherClusterIsRefused() {
        String other = JoinTokens.generate(new SecureRandom()).manager();
        assertThatThrownBy(() -> check.verify(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("join token: not valid for this cluster (wrong or rotated token)");
    }

    @Test
    void aMalformedTokenIsRefusedNamingTheExpectedForm() {
        assertThatThrownBy(() -> check.verify("SWMTKN-1-abcdefghijklmnopqrstuvwxyz"))
                .hasMessage(
                        "join token: expected SHOALTKN-1-<worker|manager>-<64 hex digits>, got 'SWMTKN-1-abcdefg…'");
        assertThatThrownBy(() -> check.verify(null)).hasMessageEndingWith("got nothing");
    }
}
