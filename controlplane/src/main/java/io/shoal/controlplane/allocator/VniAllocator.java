package io.shoal.controlplane.allocator;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/** VXLAN ids from {@code first} (4096 by default) to 16777215, one per network. */
public final class VniAllocator {
    private static final int MAX = 0xFFFFFF;
    private final int first;
    private final BitSet used = new BitSet();
    private final Map<Integer, String> owners = new HashMap<>();
    private int cursor;

    public VniAllocator(int first) {
        if (first < 1 || first > MAX) {
            throw new IllegalArgumentException("firstVni: " + first + " is outside 1.." + MAX);
        }
        this.first = first;
        this.cursor = first;
    }

    /** The next free VNI for a network. */
    public synchronized int allocate(String network) {
        int span = MAX - first + 1;
        for (int i = 0; i < span; i++) {
            int vni = first + (cursor - first + i) % span;
            if (!used.get(vni)) {
                used.set(vni);
                owners.put(vni, network);
                cursor = vni == MAX ? first : vni + 1;
                return vni;
            }
        }
        throw new AllocationException("network '" + network + "': no free VNI in " + first + ".." + MAX);
    }

    /** Records a VNI a network already has; refuses one held by another network. */
    public synchronized int reserve(int vni, String network) {
        if (vni < 1 || vni > MAX) {
            throw new AllocationException("network '" + network + "': vni " + vni + " is outside 1.." + MAX);
        }
        String holder = owners.get(vni);
        if (holder != null && !holder.equals(network)) {
            throw new AllocationException(
                    "network '" + network + "': vni " + vni + " is already used by network '" + holder + "'");
        }
        used.set(vni);
        owners.put(vni, network);
        return vni;
    }

    public synchronized void release(int vni) {
        owners.remove(vni);
        used.clear(vni);
    }
}
