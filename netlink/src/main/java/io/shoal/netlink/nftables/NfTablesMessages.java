package io.shoal.netlink.nftables;

import io.shoal.netlink.codec.Align;
import io.shoal.netlink.codec.Attribute;
import io.shoal.netlink.codec.Attributes;
import io.shoal.netlink.codec.MalformedMessageException;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.codec.NetlinkMessage;
import io.shoal.netlink.codec.NfGenMsg;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.NfTablesH;
import io.shoal.netlink.uapi.NfnetlinkH;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * nf_tables requests over {@code NETLINK_NETFILTER}, as {@code nf_tables_api.c} parses them: the
 * batch envelope and set-element additions, deletions and dumps. Pure: builds and decodes bytes.
 *
 * <p>Every message starts with a {@code struct nfgenmsg}: the table family ({@code NFPROTO_INET}
 * for {@code table inet ...}), {@code NFNETLINK_V0}, and {@code res_id} 0 — except the envelope,
 * whose family is {@code NFPROTO_UNSPEC} and whose {@code res_id} (big-endian) names the subsystem
 * the batch is for, {@code NFNL_SUBSYS_NFTABLES}.
 */
public final class NfTablesMessages {
    /** Largest payload of one attribute ({@code nla_len} is 16 bits). */
    static final int MAX_ATTRIBUTE_PAYLOAD = 0xffff - NetlinkH.NLA_HDRLEN;

    private NfTablesMessages() {}

    /** {@code NFNL_MSG_BATCH_BEGIN} for nf_tables. */
    public static MessageBuilder batchBegin() {
        return envelope(NfnetlinkH.NFNL_MSG_BATCH_BEGIN);
    }

    /** {@code NFNL_MSG_BATCH_END} for nf_tables: the kernel commits what the batch holds. */
    public static MessageBuilder batchEnd() {
        return envelope(NfnetlinkH.NFNL_MSG_BATCH_END);
    }

    private static MessageBuilder envelope(int type) {
        MessageBuilder b = new MessageBuilder(32).begin(type, 0);
        new NfGenMsg(NfnetlinkH.NFPROTO_UNSPEC, NfnetlinkH.NFNETLINK_V0, NfnetlinkH.NFNL_SUBSYS_NFTABLES).encode(b);
        return b;
    }

    /**
     * {@code NFT_MSG_NEWSETELEM} with {@code NLM_F_CREATE}: adds the elements ({@code nft add
     * element}). An element that exists with the same value is left as it is (no {@code
     * NLM_F_EXCL}); one with another value is refused ({@code EEXIST} on 6.18, {@code EBUSY} on older kernels).
     */
    public static MessageBuilder newSetElements(int family, String table, String set, List<SetElement> elements) {
        return elements(NfTablesH.NFT_MSG_NEWSETELEM, NetlinkH.NLM_F_CREATE, family, table, set, elements);
    }

    /** {@code NFT_MSG_DELSETELEM}: deletes the elements by key; a missing one is refused ({@code ENOENT}). */
    public static MessageBuilder deleteSetElements(int family, String table, String set, List<SetElement> elements) {
        return elements(NfTablesH.NFT_MSG_DELSETELEM, 0, family, table, set, elements);
    }

    /** {@code NFT_MSG_GETSETELEM} dump request for every element of a set. */
    public static MessageBuilder getSetElements(int family, String table, String set) {
        MessageBuilder b = new MessageBuilder(128)
                .begin(NfnetlinkH.messageType(NfnetlinkH.NFNL_SUBSYS_NFTABLES, NfTablesH.NFT_MSG_GETSETELEM), 0);
        new NfGenMsg(family, NfnetlinkH.NFNETLINK_V0, 0).encode(b);
        b.putString(NfTablesH.NFTA_SET_ELEM_LIST_TABLE, NftNames.check("table", table));
        b.putString(NfTablesH.NFTA_SET_ELEM_LIST_SET, NftNames.check("set", set));
        return b;
    }

    private static MessageBuilder elements(
            int message, int flags, int family, String table, String set, List<SetElement> elements) {
        if (family < 0 || family > 0xff) {
            throw new IllegalArgumentException("family must be an NFPROTO_* value, was " + family);
        }
        NftNames.check("table", table);
        NftNames.check("set", set);
        if (elements.isEmpty()) {
            throw new IllegalArgumentException("no elements for set " + set);
        }
        int size = 0;
        for (SetElement e : elements) {
            size += encodedSize(e);
        }
        if (size > MAX_ATTRIBUTE_PAYLOAD) {
            throw new IllegalArgumentException(elements.size() + " elements take " + size
                    + " bytes, more than one NFTA_SET_ELEM_LIST_ELEMENTS attribute holds (" + MAX_ATTRIBUTE_PAYLOAD
                    + "); split them with NfTablesMessages.split");
        }
        MessageBuilder b = new MessageBuilder(64 + size + table.length() + set.length())
                .begin(NfnetlinkH.messageType(NfnetlinkH.NFNL_SUBSYS_NFTABLES, message), flags);
        new NfGenMsg(family, NfnetlinkH.NFNETLINK_V0, 0).encode(b);
        b.putString(NfTablesH.NFTA_SET_ELEM_LIST_TABLE, table);
        b.putString(NfTablesH.NFTA_SET_ELEM_LIST_SET, set);
        int list = b.beginNested(NfTablesH.NFTA_SET_ELEM_LIST_ELEMENTS);
        for (SetElement e : elements) {
            int elem = b.beginNested(NfTablesH.NFTA_LIST_ELEM);
            if (e.timeoutMillis() > 0) {
                b.putBytes(NfTablesH.NFTA_SET_ELEM_TIMEOUT, be64(e.timeoutMillis()));
            }
            int key = b.beginNested(NfTablesH.NFTA_SET_ELEM_KEY);
            b.putBytes(NfTablesH.NFTA_DATA_VALUE, e.rawKey());
            b.endNested(key);
            if (e.rawValue() != null) {
                int data = b.beginNested(NfTablesH.NFTA_SET_ELEM_DATA);
                b.putBytes(NfTablesH.NFTA_DATA_VALUE, e.rawValue());
                b.endNested(data);
            } else if (e.verdict() != null) {
                int data = b.beginNested(NfTablesH.NFTA_SET_ELEM_DATA);
                int verdict = b.beginNested(NfTablesH.NFTA_DATA_VERDICT);
                b.putU32Be(NfTablesH.NFTA_VERDICT_CODE, e.verdict().code());
                if (e.verdict().chain() != null) {
                    b.putString(NfTablesH.NFTA_VERDICT_CHAIN, e.verdict().chain());
                }
                b.endNested(verdict);
                b.endNested(data);
            }
            b.endNested(elem);
        }
        b.endNested(list);
        return b;
    }

    /** Bytes {@code e} takes inside {@code NFTA_SET_ELEM_LIST_ELEMENTS}, header of its list entry included. */
    public static int encodedSize(SetElement e) {
        int size = NetlinkH.NLA_HDRLEN; // NFTA_LIST_ELEM
        if (e.timeoutMillis() > 0) {
            size += NetlinkH.NLA_HDRLEN + 8;
        }
        size += 2 * NetlinkH.NLA_HDRLEN + Align.align4(e.rawKey().length);
        if (e.rawValue() != null) {
            size += 2 * NetlinkH.NLA_HDRLEN + Align.align4(e.rawValue().length);
        } else if (e.verdict() != null) {
            size += 3 * NetlinkH.NLA_HDRLEN + 4;
            if (e.verdict().chain() != null) {
                size += NetlinkH.NLA_HDRLEN
                        + Align.align4(e.verdict().chain().getBytes(StandardCharsets.UTF_8).length + 1);
            }
        }
        return size;
    }

    /** Splits {@code elements} into runs that each fit one message's element list. */
    public static List<List<SetElement>> split(List<SetElement> elements) {
        List<List<SetElement>> out = new java.util.ArrayList<>();
        int from = 0;
        int size = 0;
        for (int i = 0; i < elements.size(); i++) {
            int s = encodedSize(elements.get(i));
            if (i > from && size + s > MAX_ATTRIBUTE_PAYLOAD) {
                out.add(elements.subList(from, i));
                from = i;
                size = 0;
            }
            size += s;
        }
        if (from < elements.size()) {
            out.add(elements.subList(from, elements.size()));
        }
        return out;
    }

    /** The elements of one {@code NFT_MSG_NEWSETELEM} message of a {@code GETSETELEM} dump. */
    public static List<SetElement> decodeElements(NetlinkMessage message) {
        int expected = NfnetlinkH.messageType(NfnetlinkH.NFNL_SUBSYS_NFTABLES, NfTablesH.NFT_MSG_NEWSETELEM);
        if (message.type() != expected) {
            throw new MalformedMessageException(
                    message.offset(),
                    "NFT_MSG_NEWSETELEM (0x" + Integer.toHexString(expected) + ")",
                    "message type 0x" + Integer.toHexString(message.type()));
        }
        Attributes attrs = message.attributes(NfGenMsg.SIZE, "nfgenmsg");
        List<SetElement> out = new java.util.ArrayList<>();
        var list = attrs.find(NfTablesH.NFTA_SET_ELEM_LIST_ELEMENTS);
        if (list.isEmpty()) {
            return out;
        }
        for (Attribute elem : list.get().nested().all(NfTablesH.NFTA_LIST_ELEM)) {
            Attributes e = elem.nested();
            byte[] key = e.require(NfTablesH.NFTA_SET_ELEM_KEY, "NFTA_SET_ELEM_KEY")
                    .nested()
                    .require(NfTablesH.NFTA_DATA_VALUE, "NFTA_DATA_VALUE of the key")
                    .bytes();
            SetElement element = SetElement.key(key);
            var data = e.find(NfTablesH.NFTA_SET_ELEM_DATA);
            if (data.isPresent()) {
                Attributes d = data.get().nested();
                var value = d.find(NfTablesH.NFTA_DATA_VALUE);
                if (value.isPresent()) {
                    element = SetElement.mapping(key, value.get().bytes());
                } else {
                    Attributes v = d.require(NfTablesH.NFTA_DATA_VERDICT, "NFTA_DATA_VERDICT")
                            .nested();
                    int code = v.require(NfTablesH.NFTA_VERDICT_CODE, "NFTA_VERDICT_CODE")
                            .u32Be();
                    String chain = v.find(NfTablesH.NFTA_VERDICT_CHAIN)
                            .map(Attribute::string)
                            .orElse(null);
                    element = SetElement.verdict(key, new NftVerdict(code, chain));
                }
            }
            var timeout = e.find(NfTablesH.NFTA_SET_ELEM_TIMEOUT);
            if (timeout.isPresent()) {
                element = element.withTimeoutMillis(be64(timeout.get()));
            }
            out.add(element);
        }
        return out;
    }

    /** A readable name of a {@code NETLINK_NETFILTER} message type, for errors. */
    public static String typeName(int type) {
        return NfnetlinkH.messageTypeName(type);
    }

    private static byte[] be64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (56 - 8 * i));
        }
        return b;
    }

    private static long be64(Attribute a) {
        byte[] b = a.bytes();
        if (b.length != 8) {
            throw new MalformedMessageException(a.offset(), "NFTA_SET_ELEM_TIMEOUT (8 bytes)", b.length + " bytes");
        }
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xff);
        }
        return v;
    }
}
