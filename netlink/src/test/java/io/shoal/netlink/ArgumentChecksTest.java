package io.shoal.netlink;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.uapi.NetlinkH;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad arguments are refused before any system call, naming what was expected. */
class ArgumentChecksTest {
    @Test
    void namespaceNamesMustBeUsableAsFileNames() {
        assertThatThrownBy(() -> NetNs.create("a/b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without '/'");
        assertThatThrownBy(() -> NetNs.open("..")).hasMessageContaining("not \".\" or \"..\"");
        assertThatThrownBy(() -> NetNs.delete("")).hasMessageContaining("1 to 64 characters");
        assertThatThrownBy(() -> NetNs.openPid(0)).hasMessageContaining("pid must be > 0, was 0");
    }

    @Test
    void socketOptionsAreChecked() {
        assertThatThrownBy(() -> NetlinkSocket.open(NetlinkH.NETLINK_ROUTE, Duration.ZERO, 4096))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("receiveTimeout must be positive");
        assertThatThrownBy(() -> NetlinkSocket.open(NetlinkH.NETLINK_ROUTE, Duration.ofSeconds(1), 16))
                .hasMessageContaining("receiveBufferSize must be >= 64, was 16");
    }
}
