package io.shoal.ingress.support;

import io.shoal.model.EndpointMode;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.table.NetworkEntry;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds service tables for tests: one service per published port, tasks on the ingress network. */
public final class Tables {
    public static final String INGRESS = "ingress-net-id";

    private Tables() {}

    /** A task on node {@code node} with {@code address} on the ingress network. */
    public static TaskEndpoint task(String id, String node, InetAddress address, boolean ready) {
        return new TaskEndpoint(id, 1, node, id, Map.of(INGRESS, address), ready);
    }

    public static ServiceEntry service(String name, List<PortConfig> ports, List<TaskEndpoint> tasks) {
        return new ServiceEntry("id-" + name, name, EndpointMode.VIP, Map.of(), Map.of(), ports, tasks);
    }

    public static PortConfig tcp(int published, int target) {
        return new PortConfig("", Protocol.TCP, target, published, PublishMode.INGRESS);
    }

    public static PortConfig udp(int published, int target) {
        return new PortConfig("", Protocol.UDP, target, published, PublishMode.INGRESS);
    }

    public static PortConfig hostTcp(int published, int target) {
        return new PortConfig("", Protocol.TCP, target, published, PublishMode.HOST);
    }

    public static ServiceTable table(long version, ServiceEntry... services) {
        return new ServiceTable(version, List.of(new NetworkEntry(INGRESS, "ingress", 4096)), List.of(services));
    }

    /** Ready tasks {@code prefix-0..n-1} on node n1 at the given addresses. */
    public static List<TaskEndpoint> readyTasks(String prefix, List<InetAddress> addresses) {
        List<TaskEndpoint> out = new ArrayList<>();
        for (int i = 0; i < addresses.size(); i++) {
            out.add(task(prefix + "-" + i, "n1", addresses.get(i), true));
        }
        return out;
    }
}
