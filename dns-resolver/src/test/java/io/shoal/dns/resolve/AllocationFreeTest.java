package io.shoal.dns.resolve;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shoal.dns.metrics.DnsMetrics;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Answering from the table allocates nothing per query: the parsed query is per thread, names are
 * matched on bytes, answers are pre-encoded. Measured with the JVM's own per-thread allocation
 * counter, so a regression (a string per name, an object per answer) fails here, not only in JMH.
 */
class AllocationFreeTest {
    private static final int QUERIES = 20_000;

    @Test
    void answeringFromTheTableAllocatesNothingPerQuery() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DnsResponder responder = new DnsResponder(resolver(), new DnsMetrics(), 1232);
        DnsScope scope = DnsScope.of(FRONT);
        ByteBuf[] queries = {
            Unpooled.wrappedBuffer(Dns.query("web", Type.A)),
            Unpooled.wrappedBuffer(Dns.query("TASKS.web.front", Type.A)),
            Unpooled.wrappedBuffer(Dns.query("web", Type.AAAA)),
            Unpooled.wrappedBuffer(Dns.query("2.0.64.100.in-addr.arpa", Type.PTR)),
        };
        ByteBuf out = Unpooled.buffer(1232);
        try {
            run(responder, scope, queries, out); // first use: thread-locals, class loading
            long before = threads.getCurrentThreadAllocatedBytes();
            run(responder, scope, queries, out);
            long perQuery = (threads.getCurrentThreadAllocatedBytes() - before) / QUERIES;
            assertThat(perQuery)
                    .as("bytes allocated per query answered from the table")
                    .isZero();
        } finally {
            out.release();
            for (ByteBuf q : queries) {
                q.release();
            }
        }
    }

    private static void run(DnsResponder responder, DnsScope scope, ByteBuf[] queries, ByteBuf out) {
        for (int i = 0; i < QUERIES; i++) {
            out.clear();
            DnsResponder.Outcome outcome = responder.respond(queries[i & 3], scope, false, out);
            if (outcome != DnsResponder.Outcome.REPLIED) {
                throw new AssertionError("query " + (i & 3) + " was not answered locally: " + outcome);
            }
        }
    }

    private static Resolver resolver() {
        Resolver r = new Resolver(DnsTtls.DEFAULTS);
        r.update(Fixtures.table());
        return r;
    }
}
