package io.shoal.benchmarks.dns;

import io.shoal.model.EndpointMode;
import io.shoal.model.table.NetworkEntry;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's service table: {@code count} VIP services {@code web-<i>} on one network
 * {@code bench} (id {@value #NETWORK}), each with {@value #TASKS} ready tasks. VIPs and task IPs
 * are in the overlay test pool 100.64.0.0/10.
 */
public final class BenchTable {
    public static final String NETWORK = "nb";
    public static final int TASKS = 3;

    private BenchTable() {}

    /** Service {@code i}'s VIP (i from 0): 100.64.x.y, 250 per /24 starting at 100.64.0.1. */
    public static InetAddress vip(int i) {
        return address(64, i / 250, i % 250 + 1);
    }

    /** Task {@code k} of service {@code i}: 100.(65+k).x.y. */
    public static InetAddress taskIp(int i, int k) {
        return address(65 + k, i / 250, i % 250 + 1);
    }

    public static ServiceTable services(int count) {
        if (count < 1 || count > 60_000) {
            throw new IllegalArgumentException("count must be within 1..60000, got " + count);
        }
        List<ServiceEntry> services = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<TaskEndpoint> tasks = new ArrayList<>(TASKS);
            for (int k = 0; k < TASKS; k++) {
                tasks.add(
                        new TaskEndpoint("t" + i + "x" + k, k + 1, "node-1", "", Map.of(NETWORK, taskIp(i, k)), true));
            }
            services.add(new ServiceEntry(
                    "s" + i, "web-" + i, EndpointMode.VIP, Map.of(NETWORK, vip(i)), Map.of(), List.of(), tasks));
        }
        return new ServiceTable(1, List.of(new NetworkEntry(NETWORK, "bench", 4097)), services);
    }

    private static InetAddress address(int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {100, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
