package io.shoal.dns.netns;

import io.shoal.dns.netns.ContainerDns.Port53;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsBinding;
import java.io.Closeable;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The DNS endpoint of one container: its binding, the redirect (if any) and the open namespace. */
public final class ContainerDnsBinding implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ContainerDnsBinding.class);

    private final Path netns;
    private final NetNsSocketNamespace namespace;
    private final DnsBinding binding;
    private final Port53 mode;
    private boolean closed;

    ContainerDnsBinding(Path netns, NetNsSocketNamespace namespace, DnsBinding binding, Port53 mode) {
        this.netns = netns;
        this.namespace = namespace;
        this.binding = binding;
        this.mode = mode;
    }

    /** The namespace path it was bound by. */
    public Path netns() {
        return netns;
    }

    /** The sockets: 127.0.0.11 and the real port (53 only in {@link Port53#DIRECT} mode). */
    public DnsBinding binding() {
        return binding;
    }

    public Port53 mode() {
        return mode;
    }

    /** Answers with {@code scope} from the next query on (the container joined or left a network). */
    public void scope(DnsScope scope) {
        binding.scope(scope);
    }

    /**
     * Closes the sockets, removes the redirect (if the namespace still exists) and the namespace
     * descriptor. A second call does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            binding.close();
            if (mode == Port53.REDIRECT) {
                try {
                    DnsRedirect.remove(namespace.descriptorPath());
                } catch (RuntimeException e) {
                    // The namespace dies with the container anyway; a stale table there is harmless.
                    log.debug("could not remove the DNS redirect in {}: {}", netns, e.getMessage());
                }
            }
        } finally {
            namespace.close();
        }
    }

    @Override
    public String toString() {
        return "ContainerDnsBinding{" + netns + ", " + mode + ", " + binding.localAddress() + "}";
    }
}
