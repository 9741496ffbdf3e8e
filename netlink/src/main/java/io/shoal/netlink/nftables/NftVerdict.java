package io.shoal.netlink.nftables;

import io.shoal.netlink.uapi.NfTablesH;
import java.util.Objects;

/**
 * A verdict as a map value ({@code NFTA_DATA_VERDICT}): a code of {@code enum nft_verdicts} and, for
 * {@code jump}/{@code goto}, the target chain.
 */
public record NftVerdict(int code, String chain) {
    public NftVerdict {
        boolean needsChain = code == NfTablesH.NFT_JUMP || code == NfTablesH.NFT_GOTO;
        if (needsChain) {
            Objects.requireNonNull(chain, "chain of a jump/goto verdict");
            NftNames.check("chain", chain);
        } else if (chain != null) {
            throw new IllegalArgumentException("verdict code " + code + " takes no chain, got " + chain);
        }
    }

    /** {@code goto <chain>}. */
    public static NftVerdict goTo(String chain) {
        return new NftVerdict(NfTablesH.NFT_GOTO, chain);
    }

    /** {@code jump <chain>}. */
    public static NftVerdict jump(String chain) {
        return new NftVerdict(NfTablesH.NFT_JUMP, chain);
    }

    @Override
    public String toString() {
        return switch (code) {
            case NfTablesH.NFT_GOTO -> "goto " + chain;
            case NfTablesH.NFT_JUMP -> "jump " + chain;
            case NfTablesH.NF_ACCEPT -> "accept";
            case NfTablesH.NF_DROP -> "drop";
            case NfTablesH.NFT_RETURN -> "return";
            case NfTablesH.NFT_CONTINUE -> "continue";
            default -> "verdict " + code;
        };
    }
}
