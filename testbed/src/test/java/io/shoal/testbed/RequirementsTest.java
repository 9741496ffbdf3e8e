package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class RequirementsTest {
    @Test
    void missingRequirementSkipsOutsideCiWithWhatIsNeeded() {
        assertThatThrownBy(() -> Requirements.require(false, "a unicorn", false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessage("this test needs a unicorn; skipped");
    }

    @Test
    void missingRequirementFailsInCi() {
        assertThatThrownBy(() -> Requirements.require(false, "a unicorn", true))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("this test needs a unicorn")
                .hasMessageContaining("CI=true");
    }

    @Test
    void metRequirementPassesInAndOutOfCi() {
        assertThatCode(() -> Requirements.require(true, "x", true)).doesNotThrowAnyException();
        assertThatCode(() -> Requirements.require(true, "x", false)).doesNotThrowAnyException();
    }
}
