package io.shoal.ingress.mesh;

import io.shoal.ingress.policy.PortKey;

/**
 * A published port this node could not open.
 *
 * @param key the port
 * @param conflict true when something else already holds the address and port
 * @param message what happened, naming the port and address
 * @param cause the underlying error
 */
public record PortFailure(PortKey key, boolean conflict, String message, Throwable cause) {}
