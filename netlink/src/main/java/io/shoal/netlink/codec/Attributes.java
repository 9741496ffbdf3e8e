package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NetlinkH;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The attributes found in a region of a buffer, checked on parse: every length within the region,
 * at least the 4-byte header, and nothing but padding left over.
 */
public final class Attributes {
    private static final Attributes EMPTY = new Attributes(ByteBuffer.allocate(0), 0, new int[0], 0);

    private final ByteBuffer buffer;
    private final int from;
    private final int[] offsets;
    private final int count;

    private Attributes(ByteBuffer buffer, int from, int[] offsets, int count) {
        this.buffer = buffer;
        this.from = from;
        this.offsets = offsets;
        this.count = count;
    }

    /** No attributes. */
    public static Attributes empty() {
        return EMPTY;
    }

    /**
     * Parses the attributes in {@code [from, to)} of {@code buffer} (absolute offsets, native order).
     *
     * @throws MalformedMessageException if an attribute is shorter than its header, runs past
     *     {@code to}, or bytes other than padding are left over
     */
    public static Attributes parse(ByteBuffer buffer, int from, int to) {
        if (from < 0 || to > buffer.limit() || from > to) {
            throw new MalformedMessageException(
                    Math.max(from, 0),
                    "attribute region [" + from + ", " + to + ")",
                    "a buffer of " + buffer.limit() + " bytes");
        }
        int[] offsets = new int[8];
        int count = 0;
        int at = from;
        while (to - at >= NetlinkH.NLA_HDRLEN) {
            int length = Short.toUnsignedInt(buffer.getShort(at));
            if (length < NetlinkH.NLA_HDRLEN) {
                throw new MalformedMessageException(at, "nla_len >= 4", "nla_len " + length);
            }
            if (length > to - at) {
                throw new MalformedMessageException(
                        at, "attribute of " + length + " bytes", "only " + (to - at) + " bytes left in its container");
            }
            if (count == offsets.length) {
                offsets = Arrays.copyOf(offsets, count * 2);
            }
            offsets[count++] = at;
            at = Math.min(to, at + Align.align4(length));
        }
        if (at != to) {
            throw new MalformedMessageException(at, "an attribute header (4 bytes)", (to - at) + " trailing bytes");
        }
        return new Attributes(buffer, from, offsets, count);
    }

    /** Number of attributes. */
    public int size() {
        return count;
    }

    /** The i-th attribute in wire order. */
    public Attribute get(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("attribute index " + index + " of " + count);
        }
        int at = offsets[index];
        return new Attribute(
                buffer, at, Short.toUnsignedInt(buffer.getShort(at + 2)), Short.toUnsignedInt(buffer.getShort(at)));
    }

    /** The first attribute of {@code type}, if present. */
    public Optional<Attribute> find(int type) {
        for (int i = 0; i < count; i++) {
            int rawType = Short.toUnsignedInt(buffer.getShort(offsets[i] + 2));
            if ((rawType & NetlinkH.NLA_TYPE_MASK) == type) {
                return Optional.of(get(i));
            }
        }
        return Optional.empty();
    }

    /** True when an attribute of {@code type} is present. */
    public boolean has(int type) {
        return find(type).isPresent();
    }

    /**
     * The first attribute of {@code type}.
     *
     * @param what the attribute's name for the error message, e.g. "IFLA_IFNAME"
     * @throws MalformedMessageException if absent
     */
    public Attribute require(int type, String what) {
        return find(type)
                .orElseThrow(() -> new MalformedMessageException(
                        from, "attribute " + what + " (" + type + ")", "none in " + count + " attribute(s)"));
    }

    /** All attributes of {@code type} in wire order (e.g. repeated entries of a nested list). */
    public List<Attribute> all(int type) {
        List<Attribute> found = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Attribute a = get(i);
            if (a.type() == type) {
                found.add(a);
            }
        }
        return found;
    }

    /** All attributes in wire order. */
    public List<Attribute> list() {
        List<Attribute> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            all.add(get(i));
        }
        return all;
    }
}
