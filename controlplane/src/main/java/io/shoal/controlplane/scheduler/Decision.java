package io.shoal.controlplane.scheduler;

/**
 * Where a task goes, or why it cannot go anywhere.
 *
 * @param taskId the task
 * @param nodeId the chosen node, or "" when none fits
 * @param reason "" when placed, else e.g. "no suitable node (insufficient resources on 3 nodes)"
 */
public record Decision(String taskId, String nodeId, String reason) {
    public boolean placed() {
        return !nodeId.isEmpty();
    }
}
