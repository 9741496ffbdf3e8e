package io.shoal.netlink.route;

import io.shoal.netlink.uapi.SocketH;
import java.util.Optional;

/**
 * A policy routing rule ({@code ip rule}): packets whose mark matches {@code fwmark} under {@code
 * fwmask} (or every packet when {@code fwmark} is 0) are looked up in {@code table}.
 *
 * @param family {@code AF_INET} or {@code AF_INET6}
 * @param priority the rule's preference, 1..32765 here (0 is the local table's rule, 32766/32767
 *     the main and default tables'): lower is consulted first
 * @param fwmark the mark to match, 0 for none
 * @param fwmask the mask for {@code fwmark} ({@code 0xffffffff} matches the whole mark)
 * @param table the table looked up ({@code FR_ACT_TO_TBL}), 1..0xfffffffe
 * @param protocol who installed it ({@code RTPROT_*}), empty when the kernel did not say (dumps
 *     from older kernels) or for the default ({@code RTPROT_UNSPEC})
 */
public record Rule(int family, int priority, long fwmark, long fwmask, long table, Optional<Integer> protocol) {

    public Rule {
        if (family != SocketH.AF_INET && family != SocketH.AF_INET6) {
            throw new IllegalArgumentException("family must be AF_INET (2) or AF_INET6 (10), was " + family);
        }
        if (priority < 1 || priority > 32765) {
            throw new IllegalArgumentException("priority must be in [1, 32765], was " + priority);
        }
        if (fwmark < 0 || fwmark > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("fwmark must be a u32, was " + fwmark);
        }
        if (fwmask < 0 || fwmask > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("fwmask must be a u32, was " + fwmask);
        }
        if (fwmark != 0 && fwmask == 0) {
            throw new IllegalArgumentException(
                    "fwmask must not be 0 with fwmark " + fwmark + " (it would match nothing)");
        }
        if (table < 1 || table > 0xFFFF_FFFEL) {
            throw new IllegalArgumentException("table must be in [1, 4294967294], was " + table);
        }
        java.util.Objects.requireNonNull(protocol, "protocol");
    }

    /** {@code ip rule add pref <priority> fwmark <mark> lookup <table>} for IPv4 (whole-mark match). */
    public static Rule fwmark(int priority, long mark, long table) {
        if (mark == 0) {
            throw new IllegalArgumentException("fwmark must not be 0 (0 means: no mark to match)");
        }
        return new Rule(SocketH.AF_INET, priority, mark, 0xFFFF_FFFFL, table, Optional.empty());
    }

    /** The same rule marked as installed by {@code protocol} ({@code RTPROT_*}, u8). */
    public Rule withProtocol(int value) {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("protocol must be a u8, was " + value);
        }
        return new Rule(family, priority, fwmark, fwmask, table, Optional.of(value));
    }

    /** True when {@code other} selects the same packets into the same table (the protocol aside). */
    public boolean sameAs(Rule other) {
        return family == other.family
                && priority == other.priority
                && fwmark == other.fwmark
                && (fwmark == 0 || fwmask == other.fwmask)
                && table == other.table;
    }

    @Override
    public String toString() {
        return (family == SocketH.AF_INET ? "" : "-6 ") + "pref " + priority
                + (fwmark == 0
                        ? ""
                        : " fwmark 0x" + Long.toHexString(fwmark)
                                + (fwmask == 0xFFFF_FFFFL ? "" : "/0x" + Long.toHexString(fwmask)))
                + " lookup " + table;
    }
}
