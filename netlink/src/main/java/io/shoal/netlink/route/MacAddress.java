package io.shoal.netlink.route;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** A 48-bit Ethernet address, written {@code 02:42:ac:11:00:02}. Immutable. */
public final class MacAddress {
    private final byte[] bytes;

    private MacAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /** From 6 bytes (copied). */
    public static MacAddress of(byte[] bytes) {
        Objects.requireNonNull(bytes, "mac bytes");
        if (bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
        }
        return new MacAddress(bytes.clone());
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (case-insensitive). */
    public static MacAddress parse(String text) {
        Objects.requireNonNull(text, "mac text");
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address must be six ':'-separated hex bytes, got \"" + text + "\"");
        }
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts[i].length() != 2) {
                throw new IllegalArgumentException(
                        "MAC address byte " + (i + 1) + " must be two hex digits, got \"" + text + "\"");
            }
            try {
                bytes[i] = (byte) HexFormat.fromHexDigits(parts[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "MAC address byte " + (i + 1) + " is not hex in \"" + text + "\"", e);
            }
        }
        return new MacAddress(bytes);
    }

    /** A copy of the 6 bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }
}
