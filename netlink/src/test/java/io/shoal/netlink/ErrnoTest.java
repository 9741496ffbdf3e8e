package io.shoal.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void knownErrnosHaveTheirSymbolAndText() {
        assertThat(Errno.symbol(17)).isEqualTo("EEXIST");
        assertThat(Errno.describe(19)).isEqualTo("ENODEV (No such device)");
        assertThat(Errno.describe(1)).isEqualTo("EPERM (Operation not permitted)");
        assertThat(Errno.EBUSY.code()).isEqualTo(16);
        assertThat(Errno.ENOENT.is(2)).isTrue();
    }

    @Test
    void unknownErrnoIsShownAsANumber() {
        assertThat(Errno.symbol(4095)).isEqualTo("errno 4095");
        assertThat(Errno.describe(4095)).isEqualTo("errno 4095");
    }

    @Test
    void exceptionNamesOperationErrnoAndKernelText() {
        NetlinkException e = new NetlinkException("RTM_NEWLINK create bridge \"br0\"", 17, "already there");
        assertThat(e).hasMessage("RTM_NEWLINK create bridge \"br0\" failed: EEXIST (File exists): already there");
        assertThat(e.errnoName()).isEqualTo("EEXIST");
        assertThat(e.is(Errno.EEXIST)).isTrue();
        assertThat(e.is(Errno.ENOENT)).isFalse();
        assertThat(e.kernelMessage()).contains("already there");
        assertThat(new NetlinkException("x", 2, null).kernelMessage()).isEmpty();
    }
}
