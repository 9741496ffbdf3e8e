package io.shoal.model.table;

import java.net.InetAddress;
import java.util.Map;

/**
 * One task of a service as the data plane sees it.
 *
 * @param taskId the task id
 * @param slot the replica slot (1-based), or 0 for a task of a global service
 * @param nodeId the node the task runs on
 * @param hostname the container's hostname
 * @param addresses the task's address on each network, keyed by network id
 * @param ready true when the task is running and healthy: only ready tasks are endpoints (DNS, VIP
 *     backends, routing mesh)
 */
public record TaskEndpoint(
        String taskId, int slot, String nodeId, String hostname, Map<String, InetAddress> addresses, boolean ready) {

    public TaskEndpoint {
        Checks.notBlank("task id", taskId);
        Checks.notBlank("task " + taskId + " node id", nodeId);
        if (slot < 0) {
            throw new IllegalArgumentException("task " + taskId + ": slot " + slot + " is negative");
        }
        hostname = hostname == null ? "" : hostname;
        addresses = Map.copyOf(addresses == null ? Map.of() : addresses);
    }

    /** The task's address on a network, or null when it is not attached there. */
    public InetAddress addressOn(String networkId) {
        return addresses.get(networkId);
    }
}
