package io.shoal.dns.testing;

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
import java.util.Set;

/**
 * A service table with every shape of name the resolver answers, on two networks:
 *
 * <ul>
 *   <li>{@code front} (n1): {@code web} (vip 100.64.0.2, alias {@code www}, port http 8080→80,
 *       tasks t1 ready, t2 not ready, t3 ready), {@code api} (vip 100.64.0.10), {@code mon} (a
 *       global service, vip 100.64.0.20), {@code big} (dnsrr, {@value #BIG_TASKS} ready tasks)
 *   <li>{@code back} (n2): {@code db} (dnsrr, port 5432, d1 and d2 ready, d3 not), {@code api}
 *       (vip 100.64.1.10)
 * </ul>
 */
public final class Fixtures {
    public static final String FRONT = "n1";
    public static final String BACK = "n2";
    public static final int BIG_TASKS = 100;

    private Fixtures() {}

    public static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    public static TaskEndpoint task(String id, int slot, String net, String ip, boolean ready) {
        return new TaskEndpoint(id, slot, "node-1", "host-" + id, Map.of(net, ip(ip)), ready);
    }

    public static ServiceTable table() {
        return table(1);
    }

    public static ServiceTable table(long version) {
        return new ServiceTable(version, networks(), services());
    }

    public static List<NetworkEntry> networks() {
        return List.of(new NetworkEntry(FRONT, "front", 4097), new NetworkEntry(BACK, "back", 4098));
    }

    public static List<ServiceEntry> services() {
        ServiceEntry web = new ServiceEntry(
                "s1",
                "web",
                EndpointMode.VIP,
                Map.of(FRONT, ip("100.64.0.2")),
                Map.of(FRONT, Set.of("www")),
                List.of(new PortConfig("http", Protocol.TCP, 80, 8080, PublishMode.INGRESS)),
                List.of(
                        task("t1", 1, FRONT, "100.64.0.3", true),
                        task("t2", 2, FRONT, "100.64.0.4", false),
                        task("t3", 3, FRONT, "100.64.0.5", true)));
        ServiceEntry db = new ServiceEntry(
                "s2",
                "db",
                EndpointMode.DNSRR,
                Map.of(),
                Map.of(),
                List.of(new PortConfig("", Protocol.TCP, 5432, 0, PublishMode.INGRESS)),
                List.of(
                        task("d1", 1, BACK, "100.64.1.3", true),
                        task("d2", 2, BACK, "100.64.1.4", true),
                        task("d3", 3, BACK, "100.64.1.5", false)));
        ServiceEntry api = new ServiceEntry(
                "s3",
                "api",
                EndpointMode.VIP,
                Map.of(FRONT, ip("100.64.0.10"), BACK, ip("100.64.1.10")),
                Map.of(),
                List.of(),
                List.of(new TaskEndpoint(
                        "a1", 1, "node-1", "", Map.of(FRONT, ip("100.64.0.11"), BACK, ip("100.64.1.11")), true)));
        ServiceEntry mon = new ServiceEntry(
                "s4",
                "mon",
                EndpointMode.VIP,
                Map.of(FRONT, ip("100.64.0.20")),
                Map.of(),
                List.of(),
                List.of(new TaskEndpoint("m1", 0, "node-a", "", Map.of(FRONT, ip("100.64.0.21")), true)));
        List<TaskEndpoint> bigTasks = new ArrayList<>();
        for (int i = 1; i <= BIG_TASKS; i++) {
            bigTasks.add(task("b" + i, i, FRONT, "100.64.2." + i, true));
        }
        ServiceEntry big = new ServiceEntry("s5", "big", EndpointMode.DNSRR, Map.of(), Map.of(), List.of(), bigTasks);
        return List.of(web, db, api, mon, big);
    }
}
