package io.shoal.controlplane.allocator;

/** An allocation was refused (overlap, conflict, exhaustion); the message names the parties. */
public final class AllocationException extends RuntimeException {
    public AllocationException(String message) {
        super(message);
    }
}
