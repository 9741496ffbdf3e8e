package io.shoal.netlink.route;

import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.FibRuleHdr;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.uapi.FibRulesH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import io.shoal.netlink.uapi.SocketH;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Policy routing rules ({@code ip rule}): add, delete, list. Only rules that look a table up by
 * mark (or for every packet) are represented; {@link #list} leaves out others (by source,
 * destination, interface, …) and the kernel's own three (priorities 0, 32766, 32767).
 */
public final class Rules {
    private final NetlinkSocket socket;

    Rules(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds the rule; {@code EEXIST} when the same rule is there. */
    public void add(Rule rule) {
        socket.execute(
                request(RtnetlinkH.RTM_NEWRULE, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, rule), "add rule " + rule);
    }

    /** Deletes the rule; {@code ENOENT} when absent. */
    public void delete(Rule rule) {
        socket.execute(request(RtnetlinkH.RTM_DELRULE, 0, rule), "delete rule " + rule);
    }

    /** Adds the rule unless an equal one ({@link Rule#sameAs}) is there; true when added. */
    public boolean ensure(Rule rule) {
        if (list(rule.family()).stream().anyMatch(rule::sameAs)) {
            return false;
        }
        add(rule);
        return true;
    }

    /** Deletes every rule equal to this one ({@link Rule#sameAs}); how many went. */
    public int deleteAll(Rule rule) {
        int n = 0;
        for (Rule r : list(rule.family())) {
            if (rule.sameAs(r)) {
                delete(r);
                n++;
            }
        }
        return n;
    }

    /** The mark-or-all rules for {@code family} ({@code AF_INET}/{@code AF_INET6}). */
    public List<Rule> list(int family) {
        if (family != SocketH.AF_INET && family != SocketH.AF_INET6) {
            throw new IllegalArgumentException("family must be AF_INET (2) or AF_INET6 (10), was " + family);
        }
        MessageBuilder b = new MessageBuilder().begin(RtnetlinkH.RTM_GETRULE, 0);
        new FibRuleHdr(family, 0, 0, 0, 0, 0, 0).encode(b);
        return socket.dump(b, "list rules", (m, out) -> decode(m).ifPresent(out::add));
    }

    static MessageBuilder request(int type, int flags, Rule rule) {
        Objects.requireNonNull(rule, "rule");
        MessageBuilder b = new MessageBuilder().begin(type, flags);
        // Like iproute2: a table below 256 in the header too, and always as FRA_TABLE.
        int headerTable = rule.table() < 256 ? (int) rule.table() : RtnetlinkH.RT_TABLE_UNSPEC;
        new FibRuleHdr(rule.family(), 0, 0, 0, headerTable, FibRulesH.FR_ACT_TO_TBL, 0).encode(b);
        b.putU32(FibRulesH.FRA_PRIORITY, rule.priority());
        if (rule.fwmark() != 0) {
            b.putU32(FibRulesH.FRA_FWMARK, (int) rule.fwmark());
            b.putU32(FibRulesH.FRA_FWMASK, (int) rule.fwmask());
        }
        b.putU32(FibRulesH.FRA_TABLE, (int) rule.table());
        rule.protocol().ifPresent(p -> b.putU8(FibRulesH.FRA_PROTOCOL, p));
        return b;
    }

    static Optional<Rule> decode(NetlinkMessage m) {
        FibRuleHdr h = FibRuleHdr.decode(m);
        Attributes a = m.attributes(FibRuleHdr.SIZE, "fib_rule_hdr");
        if (h.action() != FibRulesH.FR_ACT_TO_TBL
                || h.dstLength() != 0
                || h.srcLength() != 0
                || h.tos() != 0
                || (h.flags() & FibRulesH.FIB_RULE_INVERT) != 0
                || a.find(FibRulesH.FRA_IIFNAME).isPresent()
                || a.find(FibRulesH.FRA_OIFNAME).isPresent()
                || a.find(FibRulesH.FRA_SRC).isPresent()
                || a.find(FibRulesH.FRA_DST).isPresent()
                || a.find(FibRulesH.FRA_SUPPRESS_PREFIXLEN).map(Attribute::u32).orElse(-1) != -1) {
            return Optional.empty(); // a selector Rule cannot say: not represented
        }
        int priority = a.find(FibRulesH.FRA_PRIORITY).map(Attribute::u32).orElse(0);
        if (priority < 1 || priority > 32765) {
            return Optional.empty(); // the kernel's own rules (local, main, default)
        }
        long table = Integer.toUnsignedLong(
                a.find(FibRulesH.FRA_TABLE).map(Attribute::u32).orElse(h.table()));
        long mark = Integer.toUnsignedLong(
                a.find(FibRulesH.FRA_FWMARK).map(Attribute::u32).orElse(0));
        long mask = Integer.toUnsignedLong(
                a.find(FibRulesH.FRA_FWMASK).map(Attribute::u32).orElse(mark == 0 ? 0 : 0xFFFF_FFFF));
        Optional<Integer> protocol =
                a.find(FibRulesH.FRA_PROTOCOL).map(Attribute::u8).filter(p -> p != 0);
        if (table < 1) {
            return Optional.empty();
        }
        return Optional.of(new Rule(h.family(), priority, mark, mark == 0 ? 0 : mask, table, protocol));
    }
}
