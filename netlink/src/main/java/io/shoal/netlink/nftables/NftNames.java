package io.shoal.netlink.nftables;

import io.shoal.netlink.uapi.NfTablesH;
import java.nio.charset.StandardCharsets;

/** Checks of table, set and chain names before they reach the kernel. */
final class NftNames {
    private NftNames() {}

    static String check(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " name must not be empty");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= NfTablesH.NFT_NAME_MAXLEN) {
            throw new IllegalArgumentException(what + " name must be shorter than " + NfTablesH.NFT_NAME_MAXLEN
                    + " bytes (NFT_NAME_MAXLEN), was " + bytes);
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " name must not contain NUL: " + name);
        }
        return name;
    }
}
