package io.shoal.dns.server;

import io.netty.channel.Channel;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.transport.SocketNamespace;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One container's DNS endpoint: a TCP socket and one UDP socket per event loop (SO_REUSEPORT when
 * more than one) on the same address and port, answering with that container's scope. The scope can change while bound (a container joins a network).
 */
public final class DnsBinding implements Closeable {
    private final InetSocketAddress localAddress;
    private final SocketNamespace namespace;
    private final List<UdpSocket> udp;
    private final Channel tcp;
    private final AtomicReference<DnsScope> scope;
    private final Consumer<DnsBinding> onClose;

    DnsBinding(
            InetSocketAddress localAddress,
            SocketNamespace namespace,
            AtomicReference<DnsScope> scope,
            List<UdpSocket> udp,
            Channel tcp,
            Consumer<DnsBinding> onClose) {
        this.localAddress = localAddress;
        this.namespace = namespace;
        this.scope = scope;
        this.udp = List.copyOf(udp);
        this.tcp = tcp;
        this.onClose = onClose;
    }

    /** The address and port both sockets are bound to (the port chosen when 0 was asked). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public SocketNamespace namespace() {
        return namespace;
    }

    /** The networks answered for right now. */
    public DnsScope scope() {
        return scope.get();
    }

    /** Answers with {@code newScope} from the next query on. */
    public void scope(DnsScope newScope) {
        if (newScope == null) {
            throw new IllegalArgumentException("scope must not be null");
        }
        this.scope.set(newScope);
    }

    public boolean isOpen() {
        return udp.stream().allMatch(u -> u.isOpen().getAsBoolean()) && tcp.isOpen();
    }

    /** How many UDP sockets serve this binding (one per event loop). */
    public int udpSockets() {
        return udp.size();
    }

    /** Closes the sockets (TCP connections already accepted finish or idle out). */
    @Override
    public void close() {
        for (UdpSocket u : udp) {
            u.close().run();
        }
        tcp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        onClose.accept(this);
    }

    /** One UDP socket of a binding: a Netty channel or a selector loop's channel. */
    record UdpSocket(BooleanSupplier isOpen, Runnable close) {}

    @Override
    public String toString() {
        return "DnsBinding{" + localAddress + " in " + namespace + ", scope="
                + scope.get().networkIds() + "}";
    }
}
