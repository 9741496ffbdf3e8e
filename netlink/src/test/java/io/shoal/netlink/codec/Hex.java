package io.shoal.netlink.codec;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Byte arrays written as hex in tests, spaces ignored, so layouts read like the uapi structs. */
final class Hex {
    private Hex() {}

    static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    static String of(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static String of(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static String clean(String hex) {
        return hex.replaceAll("\\s+", "");
    }
}
