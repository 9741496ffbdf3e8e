package io.shoal.netlink.uapi;

/**
 * Constants of {@code <linux/fib_rules.h>}: the {@code fib_rule_hdr} of policy routing rules
 * ({@code RTM_NEWRULE}/{@code RTM_DELRULE}/{@code RTM_GETRULE}), its {@code FRA_*} attributes and
 * {@code FR_ACT_*} actions.
 */
public final class FibRulesH {
    private FibRulesH() {}

    /** {@code sizeof(struct fib_rule_hdr)}: family, dst_len, src_len, tos, table, res1, res2, action (u8), flags (u32). */
    public static final int FIB_RULE_HDR_SIZE = 12;

    /** {@code FIB_RULE_PERMANENT}: the rule cannot be deleted (the kernel's own). */
    public static final int FIB_RULE_PERMANENT = 0x00000001;
    /** {@code FIB_RULE_INVERT}: {@code ip rule not ...}. */
    public static final int FIB_RULE_INVERT = 0x00000002;

    /** {@code FRA_DST}: destination prefix address. */
    public static final int FRA_DST = 1;
    /** {@code FRA_SRC}: source prefix address. */
    public static final int FRA_SRC = 2;
    /** {@code FRA_IIFNAME}: input interface name. */
    public static final int FRA_IIFNAME = 3;
    /** {@code FRA_GOTO}: rule to jump to ({@code FR_ACT_GOTO}). */
    public static final int FRA_GOTO = 4;
    /** {@code FRA_PRIORITY}: the rule's preference (u32). */
    public static final int FRA_PRIORITY = 6;
    /** {@code FRA_FWMARK}: the packet mark to match (u32). */
    public static final int FRA_FWMARK = 10;
    /** {@code FRA_FLOW}: realm. */
    public static final int FRA_FLOW = 11;
    /** {@code FRA_SUPPRESS_PREFIXLEN}. */
    public static final int FRA_SUPPRESS_PREFIXLEN = 14;
    /** {@code FRA_TABLE}: the table as a u32 (the header's u8 holds only tables below 256). */
    public static final int FRA_TABLE = 15;
    /** {@code FRA_FWMASK}: the mask applied to the mark before matching (u32). */
    public static final int FRA_FWMASK = 16;
    /** {@code FRA_OIFNAME}: output interface name. */
    public static final int FRA_OIFNAME = 17;
    /** {@code FRA_PROTOCOL}: who installed the rule (u8, {@code RTPROT_*}). */
    public static final int FRA_PROTOCOL = 21;

    /** {@code FR_ACT_TO_TBL}: look the route up in the rule's table. */
    public static final int FR_ACT_TO_TBL = 1;
    /** {@code FR_ACT_GOTO}: jump to another rule. */
    public static final int FR_ACT_GOTO = 2;
    /** {@code FR_ACT_NOP}. */
    public static final int FR_ACT_NOP = 3;
    /** {@code FR_ACT_BLACKHOLE}: drop silently. */
    public static final int FR_ACT_BLACKHOLE = 6;
    /** {@code FR_ACT_UNREACHABLE}: drop with {@code ENETUNREACH}. */
    public static final int FR_ACT_UNREACHABLE = 7;
    /** {@code FR_ACT_PROHIBIT}: drop with {@code EACCES}. */
    public static final int FR_ACT_PROHIBIT = 8;
}
