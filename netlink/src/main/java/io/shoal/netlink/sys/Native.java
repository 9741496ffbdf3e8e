package io.shoal.netlink.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Loads libc once and reports why that failed, if it did. Everything native in this module goes
 * through {@link #libc()}.
 */
public final class Native {
    private static final LibC LIBC;
    private static final Runtime RUNTIME;
    private static final Throwable UNAVAILABILITY_CAUSE;

    static {
        LibC libc = null;
        Runtime runtime = null;
        Throwable cause = null;
        try {
            if (!System.getProperty("os.name", "")
                    .toLowerCase(java.util.Locale.ROOT)
                    .contains("linux")) {
                throw new UnsupportedOperationException(
                        "netlink needs Linux, this is " + System.getProperty("os.name"));
            }
            libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
            runtime = Runtime.getRuntime(libc);
        } catch (Throwable t) {
            cause = t;
            libc = null;
            runtime = null;
        }
        LIBC = libc;
        RUNTIME = runtime;
        UNAVAILABILITY_CAUSE = cause;
    }

    private Native() {}

    /** True when libc could be bound. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why libc could not be bound, or null when it could. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** The bound libc; throws if it could not be loaded. */
    public static LibC libc() {
        if (LIBC == null) {
            throw new UnsupportedOperationException("libc is not available through JNR-FFI", UNAVAILABILITY_CAUSE);
        }
        return LIBC;
    }

    /** The JNR runtime, for allocating native memory. */
    public static Runtime runtime() {
        libc();
        return RUNTIME;
    }

    /** The errno saved by the last {@code @SaveError} call on this thread. */
    public static int lastErrno() {
        return RUNTIME.getLastError();
    }
}
