package io.shoal.balancer.ipvs;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Hex written like the uapi structs in tests: spaces, newlines and {@code //} comments ignored. */
final class Bytes {
    private Bytes() {}

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(clean(text));
    }

    static String clean(String text) {
        return text.replaceAll("//[^\n]*", "").replaceAll("\\s+", "");
    }

    static String of(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
