package io.shoal.controlplane.store;

import java.util.List;

/**
 * Where things live in ZooKeeper. The default root is {@code /shoal}; tests may use another root to
 * share one server.
 *
 * <pre>
 * /shoal/cluster          ClusterSpec (JSON), created once
 * /shoal/leader           Curator LeaderLatch participants
 * /shoal/epoch            leader epoch: its znode version counts election wins
 * /shoal/nodes/&lt;id&gt;      Node
 * /shoal/members/&lt;id&gt;    Member, ephemeral
 * /shoal/networks/&lt;id&gt;   Network
 * /shoal/services/&lt;id&gt;   Service
 * /shoal/tasks/&lt;id&gt;      Task
 * /shoal/status/&lt;id&gt;     TaskStatus, written by the owning agent
 * /shoal/servicenames/&lt;name&gt;  NameClaim: the id of the service with that name
 * /shoal/assignments/&lt;node&gt;  AssignmentList: ids of the tasks the node is to run
 * </pre>
 *
 * @param root the root path, e.g. {@code /shoal}
 */
public record Layout(String root) {
    public static final Layout DEFAULT = new Layout("/shoal");

    public Layout {
        if (root == null || !root.startsWith("/") || root.endsWith("/") || root.length() < 2) {
            throw new IllegalArgumentException("root: '" + root + "' must be an absolute path like /shoal");
        }
    }

    public String cluster() {
        return root + "/cluster";
    }

    public String leader() {
        return root + "/leader";
    }

    public String epoch() {
        return root + "/epoch";
    }

    /** The folder that holds the objects of a kind. */
    public String folder(Kind<?> kind) {
        return root + "/" + kind.folder();
    }

    /** The znode of one object. */
    public String path(Kind<?> kind, String id) {
        return folder(kind) + "/" + id;
    }

    /** Every folder the store creates at start. */
    public List<String> folders() {
        return Kind.ALL.stream().map(this::folder).toList();
    }
}
