package io.shoal.dns.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import io.shoal.dns.metrics.DnsMetrics;
import io.shoal.dns.transport.Transport;
import io.shoal.dns.wire.DnsWire;
import io.shoal.dns.wire.ParsedQuery;
import io.shoal.dns.wire.QueryParser;
import io.shoal.dns.wire.UnreadableQueryException;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards queries for names Shoal does not own to the upstream resolvers, asynchronously: a few
 * UDP sockets on one event loop (one picked at random per attempt, for source-port entropy), a table of queries in flight keyed by a fresh random id, a timer per
 * attempt. On timeout (or SERVFAIL/REFUSED) the next upstream is tried, round after round, while
 * the budget lasts; an upstream that timed out is tried last for a while. A truncated UDP answer
 * to a client that asked over TCP is fetched again over TCP. Answers are cached ({@link
 * ResponseCache}); when every upstream fails, a stale cached answer beats SERVFAIL.
 *
 * <p>Everything but {@link #forward} runs on the forwarder's event loop, so the in-flight table
 * needs no lock. Its sockets live in the namespace where the server was started (the host's), as
 * the upstreams are the host's resolvers.
 */
public final class UpstreamForwarder implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);
    private static final int SOCKETS = 8;

    private final UpstreamConfig config;
    private final DnsMetrics metrics;
    private final EventLoop loop;
    /** Several sockets, one picked at random per attempt: source-port entropy against spoofing. */
    private final Channel[] channels;

    private final IntObjectHashMap<Pending> inFlight = new IntObjectHashMap<>();
    private final long[] downUntil;
    private final TcpRetry tcp;
    private final ResponseCache cache;
    /** Query ids to upstreams must be unguessable (off-path spoofing); used on the loop only. */
    private final SecureRandom random = new SecureRandom();

    private final class Pending {
        final int upstreamId;
        final int clientId;
        final ByteBuf query;
        final int questionEnd;
        final boolean clientTcp;
        final String cacheKey;
        final int clientLimit;
        final ForwardCallback callback;
        final long started = System.nanoTime();
        final long deadline;
        int tried; // bit mask of upstream indexes tried in this round
        int asked; // bit mask of every upstream asked: replies are accepted from these
        int current = -1;
        ScheduledFuture<?> timer;

        Pending(
                int upstreamId,
                ByteBuf query,
                int questionEnd,
                boolean clientTcp,
                String cacheKey,
                int clientLimit,
                ForwardCallback callback) {
            this.upstreamId = upstreamId;
            this.clientId = query.getUnsignedShort(query.readerIndex());
            this.query = query;
            this.questionEnd = questionEnd;
            this.clientTcp = clientTcp;
            this.cacheKey = cacheKey;
            this.clientLimit = clientLimit;
            this.callback = callback;
            this.deadline = started + config.budget().toNanos();
        }
    }

    private UpstreamForwarder(UpstreamConfig config, DnsMetrics metrics, Transport transport, EventLoopGroup group) {
        this.config = config;
        this.metrics = metrics;
        this.downUntil = new long[config.servers().size()];
        this.loop = group.next();
        this.channels = new Channel[SOCKETS];
        try {
            for (int i = 0; i < SOCKETS; i++) {
                channels[i] = openSocket(transport);
            }
        } catch (RuntimeException e) {
            closeSockets();
            throw e;
        }
        this.tcp = new TcpRetry(transport, loop, config.namespace());
        this.cache = new ResponseCache(config.cache());
    }

    private Channel openSocket(Transport transport) {
        return new Bootstrap()
                .group(loop)
                .channelFactory(() -> config.namespace().open(transport::newDatagramChannel))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        onUpstreamPacket(packet);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // ICMP port unreachable and the like: the attempt timer handles failover.
                        log.debug("upstream socket error: {}", cause.toString());
                    }
                })
                .bind(new InetSocketAddress(0))
                .syncUninterruptibly()
                .channel();
    }

    /** Opens the forwarder's sockets on one loop of {@code group}. */
    public static UpstreamForwarder start(
            UpstreamConfig config, DnsMetrics metrics, Transport transport, EventLoopGroup group) {
        return new UpstreamForwarder(config, metrics, transport, group);
    }

    public List<InetSocketAddress> servers() {
        return config.servers();
    }

    /**
     * Forwards one query. Returns at once; the callback runs later on the forwarder's loop, or
     * before this returns when the cache has the answer.
     *
     * @param query the client's query; ownership passes to the forwarder
     * @param clientTcp whether the client asked over TCP (then a truncated answer is re-fetched
     *     over TCP)
     */
    public void forward(ByteBuf query, boolean clientTcp, ForwardCallback callback) {
        metrics.forwarded();
        String key = null;
        int limit = DnsWire.TCP_LIMIT;
        try {
            ParsedQuery q = QueryParser.parse(query);
            key = ResponseCache.key(query, q);
            limit = clientTcp ? DnsWire.TCP_LIMIT : q.udpLimit(DnsWire.TCP_LIMIT);
        } catch (UnreadableQueryException e) {
            // not cacheable; begin() fails it
        }
        if (key != null) {
            ByteBuf hit = cache.get(key, query.getUnsignedShort(query.readerIndex()), limit, channels[0].alloc());
            if (hit != null) {
                metrics.cacheHit();
                query.release();
                callback.answered(hit);
                return;
            }
        }
        String cacheKey = key;
        int clientLimit = limit;
        if (loop.inEventLoop()) {
            begin(query, clientTcp, cacheKey, clientLimit, callback);
        } else {
            loop.execute(() -> begin(query, clientTcp, cacheKey, clientLimit, callback));
        }
    }

    /** The cache of upstream answers. */
    public ResponseCache cache() {
        return cache;
    }

    private void begin(ByteBuf query, boolean clientTcp, String key, int limit, ForwardCallback callback) {
        int questionEnd = questionEnd(query);
        if (config.servers().isEmpty() || inFlight.size() >= config.maxInFlight() || questionEnd < 0) {
            fail(query, callback);
            return;
        }
        int id = random.nextInt(65536);
        while (inFlight.containsKey(id)) {
            id = (id + 1) & 0xFFFF;
        }
        Pending p = new Pending(id, query, questionEnd, clientTcp, key, limit, callback);
        inFlight.put(id, p);
        attempt(p);
    }

    private void attempt(Pending p) {
        int next = pickUpstream(p.tried);
        if (next < 0) {
            // Every upstream had its turn; while the budget lasts, start another round (UDP loses packets).
            p.tried = 0;
            next = pickUpstream(0);
        }
        long now = System.nanoTime();
        if (now >= p.deadline) {
            finishFailed(p);
            return;
        }
        p.tried |= 1 << next;
        p.asked |= 1 << next;
        p.current = next;
        Channel socket = channels[random.nextInt(SOCKETS)];
        ByteBuf packet = socket.alloc().ioBuffer(p.query.readableBytes());
        packet.writeBytes(p.query, p.query.readerIndex(), p.query.readableBytes());
        packet.setShort(0, p.upstreamId);
        socket.writeAndFlush(new DatagramPacket(packet, config.servers().get(next)));
        long wait = Math.min(config.attemptTimeout().toNanos(), p.deadline - now);
        int upstream = next;
        p.timer = loop.schedule(() -> onTimeout(p, upstream), wait, TimeUnit.NANOSECONDS);
    }

    /** The first untried upstream that is not marked down; else the first untried one at all. */
    private int pickUpstream(int tried) {
        long now = System.nanoTime();
        int fallback = -1;
        for (int i = 0; i < downUntil.length; i++) {
            if ((tried & (1 << i)) != 0) {
                continue;
            }
            if (downUntil[i] - now <= 0) {
                return i;
            }
            if (fallback < 0) {
                fallback = i;
            }
        }
        return fallback;
    }

    private void onTimeout(Pending p, int upstream) {
        if (inFlight.get(p.upstreamId) != p || p.current != upstream) {
            return;
        }
        metrics.upstreamFailure();
        downUntil[upstream] = System.nanoTime() + config.downFor().toNanos();
        log.debug("upstream {} timed out", config.servers().get(upstream));
        attempt(p);
    }

    private void onUpstreamPacket(DatagramPacket packet) {
        ByteBuf r = packet.content();
        if (r.readableBytes() < DnsWire.HEADER_LENGTH) {
            return;
        }
        int id = r.getUnsignedShort(r.readerIndex());
        Pending p = inFlight.get(id);
        int upstream = p == null ? -1 : askedUpstream(p, packet.sender());
        if (upstream < 0 || !sameQuestion(p, r)) {
            return; // late, spoofed or foreign: ignore
        }
        int flags = r.getUnsignedShort(r.readerIndex() + 2);
        int rcode = flags & 0xF;
        downUntil[upstream] = 0;
        if ((rcode == DnsWire.SERVFAIL || rcode == DnsWire.REFUSED) && pickUpstream(p.tried) >= 0) {
            p.timer.cancel(false);
            attempt(p);
            return;
        }
        inFlight.remove(id);
        p.timer.cancel(false);
        if ((flags & DnsWire.FLAG_TC) != 0 && p.clientTcp) {
            retryOverTcp(p, config.servers().get(upstream));
            return;
        }
        metrics.upstreamAnswered(System.nanoTime() - p.started);
        if (p.cacheKey != null) {
            cache.put(p.cacheKey, r);
        }
        ByteBuf answer = r.retainedDuplicate();
        answer.setShort(answer.readerIndex(), p.clientId);
        p.query.release();
        p.callback.answered(answer);
    }

    private void retryOverTcp(Pending p, InetSocketAddress upstream) {
        long remaining = p.deadline - System.nanoTime();
        if (remaining <= 0) {
            failOrStale(p);
            return;
        }
        tcp.exchange(upstream, p.query, remaining, response -> {
            if (response == null) {
                metrics.upstreamFailure();
                failOrStale(p);
                return;
            }
            metrics.upstreamAnswered(System.nanoTime() - p.started);
            if (p.cacheKey != null) {
                cache.put(p.cacheKey, response);
            }
            response.setShort(response.readerIndex(), p.clientId);
            p.query.release();
            p.callback.answered(response);
        });
    }

    /** The index of {@code sender} when it is an upstream this query was sent to, else -1. */
    private int askedUpstream(Pending p, InetSocketAddress sender) {
        int i = config.servers().indexOf(sender);
        return i >= 0 && (p.asked & (1 << i)) != 0 ? i : -1;
    }

    /** The response must repeat the question (case-insensitively): cheap defence against spoofing. */
    private static boolean sameQuestion(Pending p, ByteBuf r) {
        int qBase = p.query.readerIndex();
        int rBase = r.readerIndex();
        if (r.readableBytes() < p.questionEnd) {
            return false;
        }
        for (int i = DnsWire.QUESTION_OFFSET; i < p.questionEnd; i++) {
            int a = p.query.getUnsignedByte(qBase + i);
            int b = r.getUnsignedByte(rBase + i);
            if (a != b && Character.toLowerCase(a) != Character.toLowerCase(b)) {
                return false;
            }
        }
        return true;
    }

    private void finishFailed(Pending p) {
        inFlight.remove(p.upstreamId);
        failOrStale(p);
    }

    /** Every upstream failed: an expired cached answer is better than SERVFAIL (RFC 8767). */
    private void failOrStale(Pending p) {
        ByteBuf stale =
                p.cacheKey == null ? null : cache.getStale(p.cacheKey, p.clientId, p.clientLimit, channels[0].alloc());
        if (stale == null) {
            fail(p.query, p.callback);
            return;
        }
        metrics.staleAnswer();
        p.query.release();
        p.callback.answered(stale);
    }

    private static void fail(ByteBuf query, ForwardCallback callback) {
        try {
            callback.failed(query);
        } finally {
            query.release();
        }
    }

    private void closeSockets() {
        for (Channel c : channels) {
            if (c != null) {
                c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }

    /** Offset after the question of a well-formed query, or -1. */
    private static int questionEnd(ByteBuf q) {
        int base = q.readerIndex();
        int length = q.readableBytes();
        int pos = DnsWire.QUESTION_OFFSET;
        while (pos < length) {
            int len = q.getUnsignedByte(base + pos);
            if (len == 0) {
                return pos + 5 <= length ? pos + 5 : -1;
            }
            if ((len & 0xC0) != 0) {
                return -1;
            }
            pos += len + 1;
        }
        return -1;
    }

    @Override
    public void close() {
        closeSockets();
        loop.submit(() -> {
                    for (Pending p : inFlight.values()) {
                        p.timer.cancel(false);
                        fail(p.query, p.callback);
                    }
                    inFlight.clear();
                })
                .awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
