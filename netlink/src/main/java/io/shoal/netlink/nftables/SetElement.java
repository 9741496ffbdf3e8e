package io.shoal.netlink.nftables;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One element of a set or map: its key bytes (see {@link NftKey}), and for a map either value bytes
 * or a verdict; optionally a timeout (sets with {@code flags timeout}). A deletion needs only the key.
 */
public final class SetElement {
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] key;
    private final byte[] value;
    private final NftVerdict verdict;
    private final long timeoutMillis;

    private SetElement(byte[] key, byte[] value, NftVerdict verdict, long timeoutMillis) {
        Objects.requireNonNull(key, "key");
        if (key.length == 0) {
            throw new IllegalArgumentException("element key must not be empty");
        }
        if (value != null && verdict != null) {
            throw new IllegalArgumentException("an element maps to a value or a verdict, not both");
        }
        if (value != null && value.length == 0) {
            throw new IllegalArgumentException("element value must not be empty");
        }
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("element timeout must be >= 0 ms, was " + timeoutMillis);
        }
        this.key = key.clone();
        this.value = value == null ? null : value.clone();
        this.verdict = verdict;
        this.timeoutMillis = timeoutMillis;
    }

    /** A set element, or a map element to delete (only the key matters). */
    public static SetElement key(byte[] key) {
        return new SetElement(key, null, null, 0);
    }

    /** A map element {@code key : value}. */
    public static SetElement mapping(byte[] key, byte[] value) {
        return new SetElement(key, Objects.requireNonNull(value, "value"), null, 0);
    }

    /** A verdict-map element {@code key : goto chain}. */
    public static SetElement verdict(byte[] key, NftVerdict verdict) {
        return new SetElement(key, null, Objects.requireNonNull(verdict, "verdict"), 0);
    }

    /** This element with a timeout ({@code NFTA_SET_ELEM_TIMEOUT}); 0 for none. */
    public SetElement withTimeoutMillis(long millis) {
        return new SetElement(key, value, verdict, millis);
    }

    public byte[] keyBytes() {
        return key.clone();
    }

    /** The value bytes, or null (a set element, or a verdict). */
    public byte[] valueBytes() {
        return value == null ? null : value.clone();
    }

    /** The verdict, or null. */
    public NftVerdict verdict() {
        return verdict;
    }

    /** The timeout in milliseconds, 0 for none. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    byte[] rawKey() {
        return key;
    }

    byte[] rawValue() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SetElement e
                && Arrays.equals(key, e.key)
                && Arrays.equals(value, e.value)
                && Objects.equals(verdict, e.verdict)
                && timeoutMillis == e.timeoutMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), verdict, timeoutMillis);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(HEX.formatHex(key));
        if (value != null) {
            sb.append(" : ").append(HEX.formatHex(value));
        } else if (verdict != null) {
            sb.append(" : ").append(verdict);
        }
        if (timeoutMillis > 0) {
            sb.append(" timeout ").append(timeoutMillis).append("ms");
        }
        return sb.toString();
    }
}
