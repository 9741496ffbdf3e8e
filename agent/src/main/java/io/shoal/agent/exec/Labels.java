package io.shoal.agent.exec;

import io.shoal.model.Task;
import java.util.Map;

/** The labels every runtime carries: which node, service and task it belongs to. */
public final class Labels {
    /** The node whose agent manages the runtime; each agent touches only its own. */
    public static final String NODE = "io.shoal.node";

    public static final String SERVICE = "io.shoal.service";
    public static final String TASK = "io.shoal.task";
    public static final String SLOT = "io.shoal.slot";

    private Labels() {}

    /** The labels of a task's runtime on {@code nodeId}. */
    public static Map<String, String> of(String nodeId, Task task) {
        return Map.of(NODE, nodeId, SERVICE, task.serviceId(), TASK, task.id(), SLOT, Integer.toString(task.slot()));
    }
}
