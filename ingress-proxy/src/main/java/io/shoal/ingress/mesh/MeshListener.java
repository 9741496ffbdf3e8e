package io.shoal.ingress.mesh;

import io.shoal.ingress.policy.PortKey;
import java.net.SocketAddress;

/** Events of the routing mesh, for the agent to report (e.g. a port conflict on a node's status). */
public interface MeshListener {
    default void portOpened(PortKey key, SocketAddress bound) {}

    default void portClosed(PortKey key) {}

    /** A published port could not be opened; it is retried on the next table update. */
    default void portFailed(PortFailure failure) {}
}
