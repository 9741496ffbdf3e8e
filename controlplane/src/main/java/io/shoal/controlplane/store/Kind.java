package io.shoal.controlplane.store;

import io.shoal.model.Member;
import io.shoal.model.Network;
import io.shoal.model.Node;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskStatus;
import java.util.List;

/**
 * A kind of stored object: its folder under the root and its record type.
 *
 * @param name the name used in messages ("service")
 * @param folder the folder under the root ("services")
 * @param type the JSON record type
 * @param <T> the record type
 */
public record Kind<T>(String name, String folder, Class<T> type) {
    public static final Kind<Node> NODES = new Kind<>("node", "nodes", Node.class);
    public static final Kind<Member> MEMBERS = new Kind<>("member", "members", Member.class);
    public static final Kind<Network> NETWORKS = new Kind<>("network", "networks", Network.class);
    public static final Kind<Service> SERVICES = new Kind<>("service", "services", Service.class);
    public static final Kind<Task> TASKS = new Kind<>("task", "tasks", Task.class);
    public static final Kind<TaskStatus> STATUS = new Kind<>("task status", "status", TaskStatus.class);
    /** Service names → service ids, one znode per name ({@link NameClaim}). */
    public static final Kind<NameClaim> SERVICE_NAMES = new Kind<>("service name", "servicenames", NameClaim.class);

    /** Per node, the ids of the tasks it is to run ({@link AssignmentList}); the id is the node's. */
    public static final Kind<AssignmentList> ASSIGNMENTS =
            new Kind<>("assignment list", "assignments", AssignmentList.class);

    /** Every kind, in the order their folders are created. */
    public static final List<Kind<?>> ALL =
            List.of(NODES, MEMBERS, NETWORKS, SERVICES, TASKS, STATUS, SERVICE_NAMES, ASSIGNMENTS);

    @Override
    public String toString() {
        return name;
    }
}
