package io.shoal.ingress.mesh;

import io.shoal.ingress.policy.PortKey;
import io.shoal.model.PublishMode;
import io.shoal.model.TrafficPolicy;

/**
 * A published port of the applied table as this node serves it right now, for health checks and
 * status pages. Read without locks: safe to call from an event loop.
 *
 * @param key the published port
 * @param service the name of the service behind it
 * @param publishMode {@code ingress} (every node listens) or {@code host} (only nodes with a task)
 * @param trafficPolicy {@code cluster} (any ready task) or {@code local} (this node's ready tasks)
 * @param listening true while this node accepts on the port
 * @param backends backends new connections may go to now (draining ones not counted)
 * @param failure why the port should listen and does not (a bind failure), or empty
 */
public record PortState(
        PortKey key,
        String service,
        PublishMode publishMode,
        TrafficPolicy trafficPolicy,
        boolean listening,
        int backends,
        String failure) {

    /** True when only tasks on this node may serve the port (host mode or the local policy). */
    public boolean localOnly() {
        return publishMode == PublishMode.HOST || trafficPolicy == TrafficPolicy.LOCAL;
    }
}
