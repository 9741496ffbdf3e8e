package io.shoal.dns.resolve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shoal.dns.metrics.DnsMetrics;
import io.shoal.dns.testing.Dns;
import io.shoal.model.table.ServiceTable;
import org.xbill.DNS.Message;

/** Runs {@link DnsResponder} on raw packets, as the transport does, without sockets. */
final class ResponderHarness {
    record Reply(DnsResponder.Outcome outcome, byte[] wire) {
        Message message() {
            if (outcome != DnsResponder.Outcome.REPLIED) {
                throw new AssertionError("expected a reply, got " + outcome);
            }
            return Dns.parse(wire);
        }
    }

    final DnsMetrics metrics = new DnsMetrics();
    final Resolver resolver;
    final DnsResponder responder;

    ResponderHarness(ServiceTable table) {
        this(table, DnsTtls.DEFAULTS, 1232);
    }

    ResponderHarness(ServiceTable table, DnsTtls ttls, int udpCap) {
        resolver = new Resolver(ttls);
        resolver.update(table);
        responder = new DnsResponder(resolver, metrics, udpCap);
    }

    Reply send(byte[] packet, DnsScope scope, boolean tcp) {
        ByteBuf in = Unpooled.wrappedBuffer(packet);
        ByteBuf out = Unpooled.buffer(512);
        try {
            DnsResponder.Outcome outcome = responder.respond(in, scope, tcp, out);
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            if (outcome != DnsResponder.Outcome.REPLIED && bytes.length > 0) {
                throw new AssertionError(outcome + " must not write anything, wrote " + bytes.length + " bytes");
            }
            return new Reply(outcome, bytes);
        } finally {
            in.release();
            out.release();
        }
    }

    Reply udp(byte[] packet, DnsScope scope) {
        return send(packet, scope, false);
    }

    Message ask(String name, int type, DnsScope scope) {
        return udp(Dns.query(name, type), scope).message();
    }
}
