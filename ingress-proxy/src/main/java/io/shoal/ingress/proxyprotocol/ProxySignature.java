package io.shoal.ingress.proxyprotocol;

import io.netty.buffer.ByteBuf;

/**
 * Tells from the first bytes of a connection whether it starts with a PROXY protocol header. It
 * decides as soon as the bytes seen differ from both signatures, so a short ordinary request is
 * never held back waiting for twelve bytes.
 */
public final class ProxySignature {
    /** What the first bytes are. */
    public enum Verdict {
        /** A v1 ({@code "PROXY "}) or v2 (12-byte binary) signature. */
        HEADER,
        /** Not a PROXY header: ordinary payload. */
        NOT_HEADER,
        /** A prefix of a signature: read more. */
        NEED_MORE
    }

    private static final byte[] V1 = {'P', 'R', 'O', 'X', 'Y', ' '};
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxySignature() {}

    /** Classifies the readable bytes of {@code buf} without consuming them. */
    public static Verdict classify(ByteBuf buf) {
        Verdict v1 = match(buf, V1);
        Verdict v2 = match(buf, V2);
        if (v1 == Verdict.HEADER || v2 == Verdict.HEADER) {
            return Verdict.HEADER;
        }
        if (v1 == Verdict.NEED_MORE || v2 == Verdict.NEED_MORE) {
            return Verdict.NEED_MORE;
        }
        return Verdict.NOT_HEADER;
    }

    private static Verdict match(ByteBuf buf, byte[] sig) {
        int n = Math.min(buf.readableBytes(), sig.length);
        int base = buf.readerIndex();
        for (int i = 0; i < n; i++) {
            if (buf.getByte(base + i) != sig[i]) {
                return Verdict.NOT_HEADER;
            }
        }
        return n == sig.length ? Verdict.HEADER : Verdict.NEED_MORE;
    }
}
