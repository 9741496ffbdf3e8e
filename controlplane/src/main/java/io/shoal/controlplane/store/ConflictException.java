package io.shoal.controlplane.store;

/**
 * An update or delete named a version that is no longer current: someone else changed the object
 * first. The caller re-reads and retries (or reports a 409/out-of-sequence error to the user).
 */
public final class ConflictException extends StoreException {
    private final long expectedVersion;
    private final long actualVersion;

    public ConflictException(String object, long expectedVersion, long actualVersion) {
        this(object, "update", expectedVersion, actualVersion);
    }

    /**
     * @param object the object, e.g. "service svc1"
     * @param operation what was refused: update, delete or check
     * @param expectedVersion the version the caller named
     * @param actualVersion the version found, or -1 if unknown
     */
    public ConflictException(String object, String operation, long expectedVersion, long actualVersion) {
        super(object + ": " + operation + " names version " + expectedVersion + " but the stored version is "
                + (actualVersion < 0 ? "unknown (changed again)" : Long.toString(actualVersion)));
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    /** The version the caller named. */
    public long expectedVersion() {
        return expectedVersion;
    }

    /** The version found in the store when the conflict was reported, or -1 if unknown. */
    public long actualVersion() {
        return actualVersion;
    }
}
