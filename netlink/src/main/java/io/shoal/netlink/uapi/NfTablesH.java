package io.shoal.netlink.uapi;

/**
 * Constants of {@code <linux/netfilter/nf_tables.h>} used for set elements: message types,
 * attribute numbers and verdict codes. Checked against the installed header by
 * {@code UapiConstantsTest}.
 */
public final class NfTablesH {
    private NfTablesH() {}

    /** {@code NFT_MSG_NEWTABLE}. */
    public static final int NFT_MSG_NEWTABLE = 0;
    /** {@code NFT_MSG_NEWSET}. */
    public static final int NFT_MSG_NEWSET = 9;
    /** {@code NFT_MSG_NEWSETELEM}: add set elements ({@code nft_set_elem_list_attributes}). */
    public static final int NFT_MSG_NEWSETELEM = 12;
    /** {@code NFT_MSG_GETSETELEM}: dump a set's elements. */
    public static final int NFT_MSG_GETSETELEM = 13;
    /** {@code NFT_MSG_DELSETELEM}: delete set elements. */
    public static final int NFT_MSG_DELSETELEM = 14;
    /** {@code NFT_MSG_GETGEN}: the ruleset generation. */
    public static final int NFT_MSG_GETGEN = 16;

    /** {@code NFTA_LIST_ELEM} ({@code nft_list_attributes}). */
    public static final int NFTA_LIST_ELEM = 1;

    /** {@code NFTA_SET_ELEM_LIST_TABLE} (string). */
    public static final int NFTA_SET_ELEM_LIST_TABLE = 1;
    /** {@code NFTA_SET_ELEM_LIST_SET} (string). */
    public static final int NFTA_SET_ELEM_LIST_SET = 2;
    /** {@code NFTA_SET_ELEM_LIST_ELEMENTS} (nested list of {@code NFTA_LIST_ELEM}). */
    public static final int NFTA_SET_ELEM_LIST_ELEMENTS = 3;

    /** {@code NFTA_SET_ELEM_KEY} (nested {@code nft_data_attributes}). */
    public static final int NFTA_SET_ELEM_KEY = 1;
    /** {@code NFTA_SET_ELEM_DATA} (nested {@code nft_data_attributes}). */
    public static final int NFTA_SET_ELEM_DATA = 2;
    /** {@code NFTA_SET_ELEM_FLAGS} (be32). */
    public static final int NFTA_SET_ELEM_FLAGS = 3;
    /** {@code NFTA_SET_ELEM_TIMEOUT} (be64, milliseconds). */
    public static final int NFTA_SET_ELEM_TIMEOUT = 4;
    /** {@code NFTA_SET_ELEM_EXPIRATION} (be64, milliseconds left). */
    public static final int NFTA_SET_ELEM_EXPIRATION = 5;

    /** {@code NFTA_DATA_VALUE} (binary). */
    public static final int NFTA_DATA_VALUE = 1;
    /** {@code NFTA_DATA_VERDICT} (nested {@code nft_verdict_attributes}). */
    public static final int NFTA_DATA_VERDICT = 2;

    /** {@code NFTA_VERDICT_CODE} (be32, {@code enum nft_verdicts}). */
    public static final int NFTA_VERDICT_CODE = 1;
    /** {@code NFTA_VERDICT_CHAIN} (string). */
    public static final int NFTA_VERDICT_CHAIN = 2;

    /** {@code NFT_CONTINUE}. */
    public static final int NFT_CONTINUE = -1;
    /** {@code NFT_BREAK}. */
    public static final int NFT_BREAK = -2;
    /** {@code NFT_JUMP}. */
    public static final int NFT_JUMP = -3;
    /** {@code NFT_GOTO}. */
    public static final int NFT_GOTO = -4;
    /** {@code NFT_RETURN}. */
    public static final int NFT_RETURN = -5;
    /** {@code NF_DROP} ({@code <linux/netfilter.h>}). */
    public static final int NF_DROP = 0;
    /** {@code NF_ACCEPT} ({@code <linux/netfilter.h>}). */
    public static final int NF_ACCEPT = 1;

    /**
     * {@code NFT_REG32_SIZE} (kernel-internal, {@code include/net/netfilter/nf_tables.h}, not in the
     * uapi header): every field of a concatenated key or value takes a multiple of 4 bytes.
     */
    public static final int NFT_REG32_SIZE = 4;
    /** {@code NFT_NAME_MAXLEN}: table, set and chain names including the NUL. */
    public static final int NFT_NAME_MAXLEN = 256;

    /** The name of an nf_tables message type (the low byte of nlmsg_type). */
    public static String messageName(int message) {
        return switch (message) {
            case NFT_MSG_NEWTABLE -> "NFT_MSG_NEWTABLE";
            case NFT_MSG_NEWSET -> "NFT_MSG_NEWSET";
            case NFT_MSG_NEWSETELEM -> "NFT_MSG_NEWSETELEM";
            case NFT_MSG_GETSETELEM -> "NFT_MSG_GETSETELEM";
            case NFT_MSG_DELSETELEM -> "NFT_MSG_DELSETELEM";
            case NFT_MSG_GETGEN -> "NFT_MSG_GETGEN";
            default -> "NFT_MSG " + message;
        };
    }
}
