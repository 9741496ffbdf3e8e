package io.shoal.controlplane.scheduler;

import io.shoal.model.PortConfig;
import io.shoal.model.PublishMode;
import io.shoal.model.Service;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import java.util.List;

/**
 * What the scheduler needs to place one task.
 *
 * @param taskId the task
 * @param serviceId its service
 * @param spec its spec (placement, resources)
 * @param hostPorts the service's host-mode published ports: they bind on the node itself
 */
public record TaskRequest(String taskId, String serviceId, TaskSpec spec, List<PortConfig> hostPorts) {
    public TaskRequest {
        hostPorts = hostPorts == null ? List.of() : List.copyOf(hostPorts);
    }

    /** The request for a task of a service. */
    public static TaskRequest of(Task task, Service service) {
        return new TaskRequest(task.id(), task.serviceId(), task.spec(), hostPorts(service));
    }

    /** A service's host-mode published ports. */
    public static List<PortConfig> hostPorts(Service service) {
        return service.spec().endpoint().ports().stream()
                .filter(p -> p.publishMode() == PublishMode.HOST && p.isPublished())
                .toList();
    }
}
