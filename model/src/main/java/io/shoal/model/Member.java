package io.shoal.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The live record an agent keeps while its ZooKeeper session lasts, at {@code /shoal/members/<id>}
 * (ephemeral). Its disappearance is how the leader learns that a node is gone.
 *
 * @param nodeId the node this agent runs on
 * @param hostname the host name
 * @param addresses the host's underlay IPv4 addresses
 * @param resources what the host offers to tasks
 * @param agentVersion the agent's version string
 * @param startedAt when this agent process started
 */
public record Member(
        String nodeId,
        String hostname,
        List<String> addresses,
        Resources resources,
        String agentVersion,
        Instant startedAt) {
    public Member {
        Require.id("member node id", nodeId);
        Require.notBlank("member hostname", hostname);
        addresses = Require.list(addresses);
        resources = Objects.requireNonNullElse(resources, Resources.NONE);
        agentVersion = agentVersion == null ? "" : agentVersion;
        startedAt = Objects.requireNonNullElse(startedAt, Instant.EPOCH);
    }

    /** The node description this member reports. */
    public NodeDescription description() {
        return new NodeDescription(hostname, addresses, resources);
    }
}
