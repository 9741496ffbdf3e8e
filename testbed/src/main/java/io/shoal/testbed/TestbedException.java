package io.shoal.testbed;

/** A testbed operation failed: a namespace, link or process could not be made, changed or removed. */
public final class TestbedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message names the operation that failed and why. */
    public TestbedException(String message) {
        super(message);
    }

    /** Creates an exception whose message names the operation that failed, with its cause. */
    public TestbedException(String message, Throwable cause) {
        super(message, cause);
    }
}
