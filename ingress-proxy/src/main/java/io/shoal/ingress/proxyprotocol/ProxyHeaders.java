package io.shoal.ingress.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.shoal.ingress.policy.ProxyProtocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Builds the PROXY header the proxy sends to a backend on behalf of a client: as Netty's {@link
 * HAProxyMessage} ({@link #header}), or encoded straight into a buffer ({@link #encode}), which is
 * what the mesh sends on each connection: no encoder in the pipeline, no address strings parsed.
 */
public final class ProxyHeaders {
    /** The v2 signature (PROXY protocol spec, section 2.2). */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeaders() {}

    /**
     * The header of {@link #header} encoded into a new buffer from {@code alloc}, byte for byte what
     * Netty's {@code HAProxyMessageEncoder} writes for it (a test checks both agree).
     */
    public static ByteBuf encode(
            ProxyProtocol version,
            InetSocketAddress client,
            InetSocketAddress local,
            boolean udp,
            ByteBufAllocator alloc) {
        if (version == ProxyProtocol.NONE) {
            throw new IllegalArgumentException("proxy protocol: no header is sent when the mode is none");
        }
        InetAddress src = client.getAddress();
        InetAddress dst = local.getAddress();
        boolean v6 = src instanceof Inet6Address;
        boolean sameFamily = (dst instanceof Inet6Address) == v6;
        if (version == ProxyProtocol.V1) {
            if (udp) {
                throw new IllegalArgumentException("proxy protocol: v1 cannot describe UDP; use v2");
            }
            ByteBuf out = alloc.buffer(v6 ? 104 : 56);
            out.writeCharSequence(v6 ? "PROXY TCP6 " : "PROXY TCP4 ", StandardCharsets.US_ASCII);
            writeText(out, src);
            out.writeByte(' ');
            if (sameFamily) {
                writeText(out, dst);
            } else {
                out.writeCharSequence(v6 ? "::" : "0.0.0.0", StandardCharsets.US_ASCII);
            }
            out.writeByte(' ');
            writeDecimal(out, client.getPort());
            out.writeByte(' ');
            writeDecimal(out, local.getPort());
            out.writeByte('\r').writeByte('\n');
            return out;
        }
        int addressLength = v6 ? 16 : 4;
        ByteBuf out = alloc.buffer(16 + 2 * addressLength + 4);
        out.writeBytes(V2_SIGNATURE);
        out.writeByte(0x21); // version 2, command PROXY
        out.writeByte((v6 ? 0x20 : 0x10) | (udp ? 0x02 : 0x01));
        out.writeShort(2 * addressLength + 4);
        writeAddress(out, src);
        if (sameFamily) {
            writeAddress(out, dst);
        } else {
            out.writeZero(addressLength);
        }
        out.writeShort(client.getPort());
        out.writeShort(local.getPort());
        return out;
    }

    private static void writeAddress(ByteBuf out, InetAddress a) {
        if (a instanceof Inet4Address) {
            out.writeInt(a.hashCode()); // Inet4Address's hash code is its address, network order as an int
        } else {
            out.writeBytes(a.getAddress());
        }
    }

    private static void writeText(ByteBuf out, InetAddress a) {
        if (a instanceof Inet4Address) {
            int v = a.hashCode();
            for (int shift = 24; shift >= 0; shift -= 8) {
                writeDecimal(out, (v >>> shift) & 0xFF);
                if (shift > 0) {
                    out.writeByte('.');
                }
            }
        } else {
            out.writeCharSequence(text(a), StandardCharsets.US_ASCII);
        }
    }

    private static void writeDecimal(ByteBuf out, int v) {
        if (v >= 10000) {
            out.writeByte('0' + v / 10000);
        }
        if (v >= 1000) {
            out.writeByte('0' + v / 1000 % 10);
        }
        if (v >= 100) {
            out.writeByte('0' + v / 100 % 10);
        }
        if (v >= 10) {
            out.writeByte('0' + v / 10 % 10);
        }
        out.writeByte('0' + v % 10);
    }

    /**
     * The header for a TCP (or UDP) connection from {@code client} to {@code local}, the published
     * address it arrived on. When the families differ (an IPv6 client carried in by a trusted
     * balancer to an IPv4 listener), the destination becomes the unspecified address of the
     * client's family, since a header holds one family.
     */
    public static HAProxyMessage header(
            ProxyProtocol version, InetSocketAddress client, InetSocketAddress local, boolean udp) {
        if (version == ProxyProtocol.NONE) {
            throw new IllegalArgumentException("proxy protocol: no header is sent when the mode is none");
        }
        boolean v6 = client.getAddress() instanceof Inet6Address;
        InetAddress dst = local.getAddress();
        String dstText;
        if ((dst instanceof Inet6Address) == v6) {
            dstText = text(dst);
        } else {
            dstText = v6 ? "::" : "0.0.0.0";
        }
        HAProxyProxiedProtocol proto = v6
                ? (udp ? HAProxyProxiedProtocol.UDP6 : HAProxyProxiedProtocol.TCP6)
                : (udp ? HAProxyProxiedProtocol.UDP4 : HAProxyProxiedProtocol.TCP4);
        HAProxyProtocolVersion v = version == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        if (v == HAProxyProtocolVersion.V1 && udp) {
            throw new IllegalArgumentException("proxy protocol: v1 cannot describe UDP; use v2");
        }
        return new HAProxyMessage(
                v, HAProxyCommand.PROXY, proto, text(client.getAddress()), dstText, client.getPort(), local.getPort());
    }

    private static String text(InetAddress a) {
        String s = a.getHostAddress();
        int scope = s.indexOf('%');
        return scope < 0 ? s : s.substring(0, scope);
    }
}
