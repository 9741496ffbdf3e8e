package io.shoal.model;

import java.util.List;
import java.util.Objects;

/**
 * Cluster-wide settings, stored at {@code /shoal/cluster}, fixed at initialisation.
 *
 * @param name the cluster name
 * @param defaultAddressPools pools that network subnets are carved from (Docker's {@code
 *     10.0.0.0/8} by default; tests use {@code 100.64.0.0/10})
 * @param subnetSize the prefix length of each carved subnet (24 by default)
 * @param firstVni the first VXLAN id handed out ({@link Network#FIRST_VNI})
 * @param portRangeStart the first port of the dynamic published-port range
 * @param portRangeEnd the last port of that range
 * @param taskHistoryLimit the most tasks the orchestrator keeps per slot (or per node, for a global
 *     service), live and ended together, as Swarm's {@code TaskHistoryRetentionLimit}: older ended
 *     tasks are deleted. Null (absent from the JSON, as in records stored before it existed) means
 *     the default, {@value #DEFAULT_TASK_HISTORY_LIMIT}; below 1 is refused (a slot always keeps
 *     its newest task)
 */
public record ClusterSpec(
        String name,
        List<Cidr> defaultAddressPools,
        int subnetSize,
        int firstVni,
        int portRangeStart,
        int portRangeEnd,
        Integer taskHistoryLimit) {
    /** Swarm's default task history retention limit. */
    public static final int DEFAULT_TASK_HISTORY_LIMIT = 5;

    public ClusterSpec {
        name = name == null || name.isBlank() ? "default" : name;
        Require.name("cluster name", name, 63);
        defaultAddressPools = Require.list(defaultAddressPools);
        if (defaultAddressPools.isEmpty()) {
            defaultAddressPools = List.of(Cidr.parse("defaultAddressPools", "10.0.0.0/8"));
        }
        for (int i = 0; i < defaultAddressPools.size(); i++) {
            Cidr pool = defaultAddressPools.get(i);
            if (!pool.isNetwork()) {
                throw new IllegalArgumentException("defaultAddressPools[" + i + "]: '" + pool + "' has host bits set");
            }
        }
        subnetSize = subnetSize == 0 ? 24 : subnetSize;
        Require.between("subnetSize", subnetSize, 8, 30);
        for (int i = 0; i < defaultAddressPools.size(); i++) {
            if (defaultAddressPools.get(i).prefix() > subnetSize) {
                throw new IllegalArgumentException(
                        "subnetSize: /" + subnetSize + " subnets do not fit in pool " + defaultAddressPools.get(i));
            }
        }
        firstVni = firstVni == 0 ? Network.FIRST_VNI : firstVni;
        Require.between("firstVni", firstVni, 1, 0xFFFFFF);
        portRangeStart = portRangeStart == 0 ? 30000 : portRangeStart;
        portRangeEnd = portRangeEnd == 0 ? 32767 : portRangeEnd;
        Require.between("portRangeStart", portRangeStart, 1, 65535);
        Require.between("portRangeEnd", portRangeEnd, portRangeStart, 65535);
        taskHistoryLimit = Objects.requireNonNullElse(taskHistoryLimit, DEFAULT_TASK_HISTORY_LIMIT);
        if (taskHistoryLimit < 1) {
            throw new IllegalArgumentException("taskHistoryLimit: " + taskHistoryLimit
                    + " must be at least 1 (a slot always keeps its newest task)");
        }
    }

    /** These settings with another task history limit (null: the default). */
    public ClusterSpec withTaskHistoryLimit(Integer limit) {
        return new ClusterSpec(name, defaultAddressPools, subnetSize, firstVni, portRangeStart, portRangeEnd, limit);
    }

    /** Defaults, with the given pools. */
    public static ClusterSpec withPools(String... pools) {
        return new ClusterSpec(
                "default",
                java.util.Arrays.stream(pools)
                        .map(p -> Cidr.parse("defaultAddressPools", p))
                        .toList(),
                0,
                0,
                0,
                0,
                null);
    }
}
