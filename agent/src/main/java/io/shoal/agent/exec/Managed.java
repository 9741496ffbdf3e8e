package io.shoal.agent.exec;

/**
 * A runtime an executor manages for this node, as found by {@link Executor#list()}.
 *
 * @param id the runtime id
 * @param taskId the task it runs (from its labels or state record)
 * @param serviceId the service of that task
 */
public record Managed(String id, String taskId, String serviceId) {}
