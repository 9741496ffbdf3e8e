package io.shoal.controlplane.store;

/** A create named an object that already exists. */
public final class AlreadyExistsException extends StoreException {
    public AlreadyExistsException(String object) {
        super(object + " already exists");
    }
}
