package io.shoal.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcParsingTest {
    // A real /proc/<pid>/stat line whose command name contains a space and a parenthesis.
    private static final String STAT = "4242 (my) proc) S 1 4242 4242 0 -1 4194560 120 0 0 0 3 1 0 0 20 0"
            + " 1 0 987654 1234567 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

    @Test
    void statStartTimeIsField22EvenWhenTheNameHasSpacesAndParentheses() {
        assertThat(ProcStat.startTimeOf(STAT)).isEqualTo(987654L);
        assertThat(ProcStat.stateOf(STAT)).isEqualTo('S');
    }

    @Test
    void truncatedStatLineIsRejected() {
        assertThatThrownBy(() -> ProcStat.startTimeOf("1 (x) S 1 2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 22 fields");
        assertThatThrownBy(() -> ProcStat.startTimeOf("garbage")).hasMessageStartingWith("stat line: expected");
    }

    @Test
    void thisJvmHasAStartTimeAndARunningState() {
        long pid = ProcessHandle.current().pid();
        assertThat(ProcStat.startTime(pid)).isPresent();
        assertThat(ProcStat.state(pid)).isIn('R', 'S');
    }

    @Test
    void listeningPortsComeFromLinesInListenStateOnly() {
        String tcp =
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                        + "   0: 00000000:1B58 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n"
                        + "   1: 010012C6:9C40 020012C6:1B58 01 00000000:00000000 00:00000000 00000000     0        0 2\n"
                        + "  sl  local_address                         remote_address                        st\n"
                        + "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 0\n";
        assertThat(ProcNetTcp.listeningPorts(tcp)).containsExactly(80, 7000);
    }

    @Test
    void emptyTableHasNoListeningPorts() {
        assertThat(ProcNetTcp.listeningPorts("")).isEmpty();
    }
}
