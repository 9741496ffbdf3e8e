package io.shoal.ingress.mesh;

import io.shoal.ingress.policy.PortKey;
import java.util.List;

/**
 * What one table update changed.
 *
 * @param opened ports that started listening
 * @param updated ports that kept listening with a new backend set or policy
 * @param closed ports that stopped listening (their connections drain)
 * @param failed ports that should listen but could not
 * @param stale true when the table was older than one already applied and was ignored
 */
public record UpdateResult(
        List<PortKey> opened, List<PortKey> updated, List<PortKey> closed, List<PortFailure> failed, boolean stale) {
    public UpdateResult {
        opened = List.copyOf(opened);
        updated = List.copyOf(updated);
        closed = List.copyOf(closed);
        failed = List.copyOf(failed);
    }

    static UpdateResult ignoredAsStale() {
        return new UpdateResult(List.of(), List.of(), List.of(), List.of(), true);
    }
}
