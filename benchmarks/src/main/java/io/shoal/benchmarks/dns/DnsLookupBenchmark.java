package io.shoal.benchmarks.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shoal.dns.metrics.DnsMetrics;
import io.shoal.dns.resolve.DnsResponder;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.resolve.DnsTtls;
import io.shoal.dns.resolve.Resolver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One query through the hot path minus I/O: parse the question, look the name up in the current
 * {@code NameIndex} (1,000 services), shuffle and encode the answer into a reused buffer. Run with
 * {@code -prof gc} for bytes allocated per query ({@code gc.alloc.rate.norm}).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar DnsLookup -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DnsLookupBenchmark {
    private static final int NAMES = 1024; // power of two: the index wraps with a mask

    /** {@code web-<i>} (one VIP) or {@code tasks.web-<i>} (three task IPs, shuffled). */
    @Param({"vip", "tasks"})
    public String form;

    private DnsResponder responder;
    private DnsScope scope;
    private ByteBuf[] queries;
    private ByteBuf out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Resolver resolver = new Resolver(DnsTtls.DEFAULTS);
        resolver.update(BenchTable.services(1000));
        responder = new DnsResponder(resolver, new DnsMetrics(), 1232);
        scope = DnsScope.of(BenchTable.NETWORK);
        queries = new ByteBuf[NAMES];
        for (int i = 0; i < NAMES; i++) {
            String name = (form.equals("tasks") ? "tasks." : "") + "web-" + (i % 1000);
            queries[i] = query(i, name);
        }
        out = Unpooled.directBuffer(1232);
        // Fail fast rather than measure a path that does not answer.
        out.clear();
        if (responder.respond(queries[0], scope, false, out) != DnsResponder.Outcome.REPLIED) {
            throw new IllegalStateException("the benchmark query was not answered locally");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        out.release();
        for (ByteBuf q : queries) {
            q.release();
        }
    }

    @Benchmark
    public int lookupAndEncode() {
        ByteBuf q = queries[next++ & (NAMES - 1)];
        out.clear();
        responder.respond(q, scope, false, out);
        return out.writerIndex();
    }

    /** The last response written (tests check the benchmark answers what it claims). */
    ByteBuf lastResponse() {
        return out;
    }

    /** A plain query (RD set, no EDNS) for {@code name} A IN, as a stub resolver sends it. */
    static ByteBuf query(int id, String name) {
        ByteBuf b = Unpooled.directBuffer(64);
        b.writeShort(id)
                .writeShort(0x0100)
                .writeShort(1)
                .writeShort(0)
                .writeShort(0)
                .writeShort(0);
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            b.writeByte(bytes.length).writeBytes(bytes);
        }
        b.writeByte(0).writeShort(1).writeShort(1);
        return b;
    }
}
