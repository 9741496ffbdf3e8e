package io.shoal.controlplane.store;

/** An update or delete named an object that does not exist. */
public final class NotFoundException extends StoreException {
    public NotFoundException(String object) {
        super(object + " does not exist");
    }
}
