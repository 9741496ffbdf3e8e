package io.shoal.dns.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.wire.ParsedQuery;
import io.shoal.dns.wire.QueryParser;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ResponseCacheTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final ResponseCache cache = new ResponseCache(
            new CacheConfig(
                    100, Duration.ofHours(1), Duration.ofSeconds(20), Duration.ofMinutes(10), Duration.ofSeconds(30)),
            now::get);
    private final java.util.List<ByteBuf> toRelease = new java.util.ArrayList<>();

    @AfterEach
    void release() {
        toRelease.forEach(ByteBuf::release);
    }

    private static Name name(String n) {
        try {
            return Name.fromString(n);
        } catch (Exception e) {
            throw new IllegalArgumentException(n, e);
        }
    }

    private String key(String qname, int type, int edns) {
        ByteBuf q = Unpooled.wrappedBuffer(Dns.query(qname, type, DClass.IN, edns));
        try {
            ParsedQuery parsed = QueryParser.parse(q);
            return ResponseCache.key(q, parsed);
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            q.release();
        }
    }

    private static ByteBuf answer(String qname, long ttl, int rcode, Record authority) throws Exception {
        Message m = Message.newQuery(Record.newRecord(name(qname), Type.A, DClass.IN));
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(rcode);
        if (rcode == Rcode.NOERROR && authority == null) {
            m.addRecord(
                    new ARecord(name(qname), DClass.IN, ttl, java.net.InetAddress.getByName("198.18.9.9")),
                    Section.ANSWER);
        }
        if (authority != null) {
            m.addRecord(authority, Section.AUTHORITY);
        }
        return Unpooled.wrappedBuffer(m.toWire());
    }

    private Message get(String key, int id) {
        ByteBuf b = cache.get(key, id, 512, ByteBufAllocator.DEFAULT);
        if (b == null) {
            return null;
        }
        toRelease.add(b);
        byte[] bytes = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), bytes);
        return Dns.parse(bytes);
    }

    @Test
    void answerIsServedWithTheClientsIdAndItsRemainingTtl() throws Exception {
        String k = key("www.example.test", Type.A, -1);
        ByteBuf upstream = answer("www.example.test.", 60, Rcode.NOERROR, null);
        cache.put(k, upstream);
        upstream.release();
        now.addAndGet(15 * SECOND);
        Message m = get(key("WWW.Example.TEST", Type.A, -1), 4242);
        assertThat(m.getHeader().getID()).isEqualTo(4242);
        assertThat(m.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(45);
        now.addAndGet(45 * SECOND);
        assertThat(get(k, 1)).as("expired").isNull();
    }

    @Test
    void ednsAndPlainQueriesAreCachedApart() throws Exception {
        ByteBuf upstream = answer("a.example.test.", 60, Rcode.NOERROR, null);
        cache.put(key("a.example.test", Type.A, -1), upstream);
        upstream.release();
        assertThat(get(key("a.example.test", Type.A, 1232), 1)).isNull();
        assertThat(get(key("a.example.test", Type.AAAA, -1), 1)).isNull();
        assertThat(get(key("a.example.test", Type.A, -1), 1)).isNotNull();
    }

    @Test
    void nxdomainIsCachedForTheSoaMinimumCappedByConfig() throws Exception {
        SOARecord soa = new SOARecord(
                name("example.test."),
                DClass.IN,
                3600,
                name("ns.example.test."),
                name("admin.example.test."),
                1,
                60,
                60,
                60,
                10);
        ByteBuf upstream = answer("nope.example.test.", 0, Rcode.NXDOMAIN, soa);
        String k = key("nope.example.test", Type.A, -1);
        cache.put(k, upstream);
        upstream.release();
        assertThat(get(k, 7).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        now.addAndGet(10 * SECOND);
        assertThat(get(k, 7)).as("SOA minimum is 10 s").isNull();
    }

    @Test
    void negativeAnswerWithoutSoaServfailAndTruncatedAnswersAreNotCached() throws Exception {
        ByteBuf nx = answer("x.example.test.", 0, Rcode.NXDOMAIN, null);
        ByteBuf servfail = answer("y.example.test.", 0, Rcode.SERVFAIL, null);
        ByteBuf truncated = answer("z.example.test.", 60, Rcode.NOERROR, null);
        truncated.setShort(2, truncated.getUnsignedShort(2) | 0x0200);
        ByteBuf zeroTtl = answer("w.example.test.", 0, Rcode.NOERROR, null);
        cache.put(key("x.example.test", Type.A, -1), nx);
        cache.put(key("y.example.test", Type.A, -1), servfail);
        cache.put(key("z.example.test", Type.A, -1), truncated);
        cache.put(key("w.example.test", Type.A, -1), zeroTtl);
        for (ByteBuf b : new ByteBuf[] {nx, servfail, truncated, zeroTtl}) {
            b.release();
        }
        assertThat(cache.size()).isZero();
    }

    @Test
    void expiredAnswerIsServedStaleWithTheStaleTtlUntilTheWindowEnds() throws Exception {
        String k = key("s.example.test", Type.A, -1);
        ByteBuf upstream = answer("s.example.test.", 60, Rcode.NOERROR, null);
        cache.put(k, upstream);
        upstream.release();
        now.addAndGet(120 * SECOND);
        assertThat(get(k, 1)).isNull();
        ByteBuf stale = cache.getStale(k, 9, 512, ByteBufAllocator.DEFAULT);
        toRelease.add(stale);
        byte[] bytes = new byte[stale.readableBytes()];
        stale.getBytes(0, bytes);
        assertThat(Dns.parse(bytes).getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(30);
        now.addAndGet(10 * 60 * SECOND);
        assertThat(cache.getStale(k, 9, 512, ByteBufAllocator.DEFAULT)).isNull();
    }

    @Test
    void answerLargerThanTheClientsLimitIsAMiss() throws Exception {
        String k = key("l.example.test", Type.A, -1);
        ByteBuf upstream = answer("l.example.test.", 60, Rcode.NOERROR, null);
        cache.put(k, upstream);
        upstream.release();
        assertThat(cache.get(k, 1, 20, ByteBufAllocator.DEFAULT)).isNull();
    }
}
