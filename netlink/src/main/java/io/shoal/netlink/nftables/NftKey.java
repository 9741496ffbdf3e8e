package io.shoal.netlink.nftables;

import io.shoal.netlink.uapi.NfTablesH;
import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Builds the bytes of a key or value of a set element the way nf_tables stores it: a concatenation
 * ({@code ipv4_addr . inet_proto . inet_service . mark}) puts each field in its own 4-byte aligned
 * slot of registers, zero-padded; addresses and ports in network byte order, {@code mark} and other
 * {@code meta} integers in host byte order (nft's {@code NFT_BYTEORDER_HOST} types).
 */
public final class NftKey {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(32);

    private NftKey() {}

    /** An empty key to append fields to. */
    public static NftKey builder() {
        return new NftKey();
    }

    /** {@code ipv4_addr}: 4 bytes, network order. */
    public NftKey ipv4(InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            throw new IllegalArgumentException("ipv4_addr field needs an IPv4 address, got " + address);
        }
        return field(address.getAddress());
    }

    /** {@code ipv6_addr}: 16 bytes, network order. */
    public NftKey ipv6(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            throw new IllegalArgumentException("ipv6_addr field needs an IPv6 address, got " + address);
        }
        return field(address.getAddress());
    }

    /** {@code ipv4_addr} or {@code ipv6_addr} by the address's family. */
    public NftKey address(InetAddress address) {
        Objects.requireNonNull(address, "address");
        return field(address.getAddress());
    }

    /** {@code inet_proto}: one byte (6 tcp, 17 udp), padded to 4. */
    public NftKey protocol(int protocol) {
        if (protocol < 0 || protocol > 0xff) {
            throw new IllegalArgumentException("inet_proto must be 0..255, was " + protocol);
        }
        return field(new byte[] {(byte) protocol});
    }

    /** {@code inet_service}: two bytes in network order, padded to 4. */
    public NftKey port(int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("inet_service must be 0..65535, was " + port);
        }
        return field(new byte[] {(byte) (port >>> 8), (byte) port});
    }

    /** {@code mark}: a 32-bit integer in host byte order. */
    public NftKey mark(int mark) {
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            int shift = little ? 8 * i : 8 * (3 - i);
            b[i] = (byte) (mark >>> shift);
        }
        return field(b);
    }

    /** Any field: its bytes, then zeros up to the next multiple of 4. */
    public NftKey field(byte[] bytes) {
        Objects.requireNonNull(bytes, "field bytes");
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a key field must not be empty");
        }
        out.writeBytes(bytes);
        int pad = (NfTablesH.NFT_REG32_SIZE - bytes.length % NfTablesH.NFT_REG32_SIZE) % NfTablesH.NFT_REG32_SIZE;
        for (int i = 0; i < pad; i++) {
            out.write(0);
        }
        return this;
    }

    /** The bytes so far. */
    public byte[] bytes() {
        if (out.size() == 0) {
            throw new IllegalStateException("key has no fields");
        }
        return out.toByteArray();
    }
}
