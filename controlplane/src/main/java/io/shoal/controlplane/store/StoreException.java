package io.shoal.controlplane.store;

/** A store operation failed; the message names the object and what went wrong. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
