package io.shoal.testbed.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.testbed.Namespaces;
import io.shoal.testbed.Requirements;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class TestbedToolTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TestbedTool tool = new TestbedTool(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    @Test
    @Tag("integration")
    void demoShowsThreeHostsEveryPairEchoingAndNothingLeft() {
        Requirements.requireRoot();

        int status = tool.run(new String[] {"demo", "3"});

        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(out).isZero();
        Matcher m = Pattern.compile("== testbed (sb[a-z0-9]{4}): 3 hosts").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        String prefix = m.group(1);
        for (int i = 1; i <= 3; i++) {
            assertThat(out).containsPattern("h" + i + " +" + prefix + "-h" + i + " +198\\.18\\.0\\." + i + "/16");
        }
        assertThat(out).contains("== 6/6 exchanges echoed");
        assertThat(out)
                .contains(
                        "h1  -> h3  198.18.0.3:7000 sent \"hello h3, this is h1\"  echoed \"hello h3, this is h1\"  ok");
        assertThat(out).contains("h3 cut off:  h1 -> h3 fails as it should");
        assertThat(out).contains("h3 healed:   h1 -> h3 echoed \"back again\"  ok");
        assertThat(out).containsPattern("left behind: namespaces named " + prefix + "-\\* +none");
        assertThat(out).contains("== demo passed");
        assertThat(Namespaces.list()).noneMatch(ns -> ns.startsWith(prefix));
    }

    @Test
    void unknownCommandAndBadHostCountAreUsageErrorsNamingTheProblem() {
        assertThatThrownBy(() -> tool.run(new String[] {"explode"})).hasMessage("command: unknown 'explode'");
        assertThatThrownBy(() -> tool.run(new String[] {})).hasMessage("command: missing");
        assertThatThrownBy(() -> tool.run(new String[] {"demo", "three"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("N: expected a number of hosts 1..254, got 'three'");
        assertThatThrownBy(() -> tool.run(new String[] {"demo", "0"})).hasMessage("hosts: expected 1..254, got 0");
    }
}
