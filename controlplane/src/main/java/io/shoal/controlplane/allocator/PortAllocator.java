package io.shoal.controlplane.allocator;

import io.shoal.model.Protocol;
import java.util.HashMap;
import java.util.Map;

/**
 * Cluster-wide published ports of the routing mesh (ingress mode): an explicit port is taken if
 * free, a port of 0 gets the next free one from the dynamic range (30000–32767 by default). Each
 * protocol has its own space: 53/tcp and 53/udp may belong to different services.
 */
public final class PortAllocator {
    private final int rangeStart;
    private final int rangeEnd;
    private final Map<String, String> owners = new HashMap<>();
    private final Map<Protocol, Integer> cursor = new HashMap<>();

    public PortAllocator(int rangeStart, int rangeEnd) {
        if (rangeStart < 1 || rangeEnd > 65535 || rangeEnd < rangeStart) {
            throw new IllegalArgumentException("port range: " + rangeStart + "-" + rangeEnd + " is not within 1-65535");
        }
        this.rangeStart = rangeStart;
        this.rangeEnd = rangeEnd;
    }

    /**
     * Gives {@code service} a published port: {@code port} itself, or a dynamic one when it is 0.
     *
     * @throws AllocationException when the port is taken by another service or the range is full
     */
    public synchronized int allocate(String service, Protocol protocol, int port) {
        if (port != 0) {
            if (port < 1 || port > 65535) {
                throw new AllocationException(
                        "service '" + service + "': published port " + port + " is outside 1..65535");
            }
            String key = key(protocol, port);
            String holder = owners.get(key);
            if (holder != null && !holder.equals(service)) {
                throw new AllocationException("service '" + service + "': published port " + key
                        + " is already used by service '" + holder + "'");
            }
            owners.put(key, service);
            return port;
        }
        int span = rangeEnd - rangeStart + 1;
        int start = cursor.getOrDefault(protocol, rangeStart);
        for (int i = 0; i < span; i++) {
            int p = rangeStart + (start - rangeStart + i) % span;
            String key = key(protocol, p);
            if (!owners.containsKey(key)) {
                owners.put(key, service);
                cursor.put(protocol, p == rangeEnd ? rangeStart : p + 1);
                return p;
            }
        }
        throw new AllocationException(
                "service '" + service + "': no free " + protocol.json() + " port in " + rangeStart + "-" + rangeEnd);
    }

    /** Frees a port held by {@code service}; a port held by another service is left alone. */
    public synchronized void release(String service, Protocol protocol, int port) {
        owners.remove(key(protocol, port), service);
    }

    /** The service holding a port, or null. */
    public synchronized String ownerOf(Protocol protocol, int port) {
        return owners.get(key(protocol, port));
    }

    private static String key(Protocol protocol, int port) {
        return port + "/" + protocol.json();
    }
}
