package io.shoal.controlplane.allocator;

import io.shoal.model.Cidr;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The host addresses of one network's subnet: the gateway (first host address) is kept for the
 * network, the network and broadcast addresses are never handed out. Allocation goes round the
 * subnet from where it last stopped, so a released address is not handed out again at once (stale
 * neighbour entries elsewhere get time to go).
 */
public final class AddressPool {
    private final String network;
    private final Cidr subnet;
    private final BitSet used;
    private final Map<Integer, String> owners = new HashMap<>();
    private final int hosts;
    private int cursor;

    /**
     * @param network the network's name, for messages
     * @param subnet the subnet (prefix at most /30)
     */
    public AddressPool(String network, Cidr subnet) {
        if (subnet.prefix() < 8) {
            throw new IllegalArgumentException(
                    "subnet: " + subnet + " is too large for one network (prefix must be >= 8)");
        }
        if (subnet.prefix() > 30) {
            throw new IllegalArgumentException("subnet: " + subnet + " has no room for hosts (prefix must be <= 30)");
        }
        this.network = network;
        this.subnet = subnet.network();
        this.hosts = (int) (subnet.size() - 2);
        this.used = new BitSet((int) subnet.size());
        used.set(0); // network address
        used.set((int) subnet.size() - 1); // broadcast
        used.set(1); // gateway
        owners.put(this.subnet.first() + 1, "gateway");
        cursor = 2;
    }

    /** The gateway address with the subnet's prefix. */
    public Cidr gateway() {
        return new Cidr(subnet.first() + 1, subnet.prefix());
    }

    public Cidr subnet() {
        return subnet;
    }

    /** Gives the next free address to {@code owner} (a task or a service VIP). */
    public synchronized Cidr allocate(String owner) {
        int size = (int) subnet.size();
        for (int i = 0; i < size; i++) {
            int offset = (cursor + i) % size;
            if (!used.get(offset)) {
                used.set(offset);
                owners.put(subnet.first() + offset, owner);
                cursor = (offset + 1) % size;
                return new Cidr(subnet.first() + offset, subnet.prefix());
            }
        }
        throw new AllocationException(
                "network '" + network + "': all " + hosts + " addresses of " + subnet + " are in use");
    }

    /** Records an address already held (a restart of the leader) or asked for explicitly. */
    public synchronized Cidr reserve(Cidr address, String owner) {
        int ip = address.address();
        if (!subnet.contains(ip)) {
            throw new AllocationException(
                    "network '" + network + "': " + Cidr.format(ip) + " is outside subnet " + subnet);
        }
        int offset = ip - subnet.first();
        String holder = owners.get(ip);
        if (holder != null && !holder.equals(owner)) {
            throw new AllocationException("network '" + network + "': " + Cidr.format(ip) + " is already used by "
                    + holder + ", cannot give it to " + owner);
        }
        if (offset == 0 || offset == subnet.size() - 1) {
            throw new AllocationException("network '" + network + "': " + Cidr.format(ip)
                    + " is the network or broadcast address of " + subnet);
        }
        used.set(offset);
        owners.put(ip, owner);
        return new Cidr(ip, subnet.prefix());
    }

    /** Frees an address; releasing the gateway or a free address is refused. */
    public synchronized void release(Cidr address) {
        int ip = address.address();
        String holder = owners.get(ip);
        if (holder == null) {
            throw new AllocationException("network '" + network + "': " + Cidr.format(ip) + " is not allocated");
        }
        if (holder.equals("gateway")) {
            throw new AllocationException(
                    "network '" + network + "': the gateway " + Cidr.format(ip) + " is not released");
        }
        owners.remove(ip);
        used.clear(ip - subnet.first());
    }

    /** Who holds an address, or null. */
    public synchronized String ownerOf(Cidr address) {
        return owners.get(address.address());
    }

    /** Number of addresses handed out (the gateway included). */
    public synchronized int inUse() {
        return owners.size();
    }
}
