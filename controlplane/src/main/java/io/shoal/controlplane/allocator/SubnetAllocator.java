package io.shoal.controlplane.allocator;

import io.shoal.model.Cidr;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives each network a subnet: the one it asked for, or the next free one carved from the default
 * pools ({@code subnetSize} each, e.g. /24s of {@code 100.64.0.0/10}). Subnets never overlap; a
 * refusal names both networks.
 */
public final class SubnetAllocator {
    private final List<Cidr> pools;
    private final int subnetSize;
    private final Map<String, Owned> byNetwork = new LinkedHashMap<>();

    private record Owned(String networkId, String name, Cidr subnet) {}

    /**
     * @param pools the default address pools (subnets, host bits clear)
     * @param subnetSize the prefix length of carved subnets; no larger a block than any pool
     */
    public SubnetAllocator(List<Cidr> pools, int subnetSize) {
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("pools: at least one default address pool is needed");
        }
        for (Cidr p : pools) {
            if (p.prefix() > subnetSize) {
                throw new IllegalArgumentException("subnetSize: /" + subnetSize + " subnets do not fit in pool " + p);
            }
        }
        this.pools = List.copyOf(pools);
        this.subnetSize = subnetSize;
    }

    /** Records the subnet a network asked for (or had before a failover); refuses overlaps. */
    public synchronized Cidr reserve(String networkId, String name, Cidr subnet) {
        if (!subnet.isNetwork()) {
            throw new AllocationException("network '" + name + "': subnet " + subnet + " has host bits set");
        }
        Owned existing = byNetwork.get(networkId);
        if (existing != null) {
            if (existing.subnet.equals(subnet)) {
                return subnet;
            }
            throw new AllocationException(
                    "network '" + name + "' already has subnet " + existing.subnet + ", not " + subnet);
        }
        for (Owned o : byNetwork.values()) {
            if (o.subnet.overlaps(subnet)) {
                throw new AllocationException("subnet " + subnet + " of network '" + name + "' overlaps " + o.subnet
                        + " of network '" + o.name + "'");
            }
        }
        byNetwork.put(networkId, new Owned(networkId, name, subnet));
        return subnet;
    }

    /** Carves the first free subnet from the pools. */
    public synchronized Cidr allocate(String networkId, String name) {
        Owned existing = byNetwork.get(networkId);
        if (existing != null) {
            return existing.subnet;
        }
        for (Cidr pool : pools) {
            long step = 1L << (32 - subnetSize);
            long end = Integer.toUnsignedLong(pool.first()) + pool.size();
            long at = Integer.toUnsignedLong(pool.first());
            while (at < end) {
                Cidr candidate = new Cidr((int) at, subnetSize);
                Owned clash = clash(candidate);
                if (clash == null) {
                    byNetwork.put(networkId, new Owned(networkId, name, candidate));
                    return candidate;
                }
                // Jump past the clashing subnet (it may be larger than one step).
                long clashEnd = Integer.toUnsignedLong(clash.subnet.first()) + clash.subnet.size();
                at = Math.max(at + step, alignUp(clashEnd, step));
            }
        }
        throw new AllocationException("network '" + name + "': the default address pools " + pools + " have no free /"
                + subnetSize + " left");
    }

    /** Frees a network's subnet. */
    public synchronized void release(String networkId) {
        byNetwork.remove(networkId);
    }

    /** The subnet of a network, or null. */
    public synchronized Cidr subnetOf(String networkId) {
        Owned o = byNetwork.get(networkId);
        return o == null ? null : o.subnet;
    }

    private Owned clash(Cidr candidate) {
        for (Owned o : byNetwork.values()) {
            if (o.subnet.overlaps(candidate)) {
                return o;
            }
        }
        return null;
    }

    private static long alignUp(long value, long step) {
        return (value + step - 1) / step * step;
    }
}
