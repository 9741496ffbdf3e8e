package io.shoal.balancer;

/**
 * The kernel (or the tool that talks to it) refused a change. The namespace keeps the state it
 * had before the failed call.
 */
public class BalancerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int exitCode;
    private final String detail;

    /**
     * @param operation what was attempted, e.g. {@code nft -f - in namespace shab1c (apply +3 -0 ~1)}
     * @param exitCode the tool's exit code, or -1 when it did not run
     * @param detail the tool's error output or the cause, as reported
     */
    public BalancerException(String operation, int exitCode, String detail, Throwable cause) {
        super(operation + " failed" + (exitCode >= 0 ? " (exit " + exitCode + ")" : "") + ": " + detail.strip(), cause);
        this.operation = operation;
        this.exitCode = exitCode;
        this.detail = detail;
    }

    public BalancerException(String operation, int exitCode, String detail) {
        this(operation, exitCode, detail, null);
    }

    /** What was attempted. */
    public String operation() {
        return operation;
    }

    /** The tool's exit code, or -1 when it did not run. */
    public int exitCode() {
        return exitCode;
    }

    /** The tool's error output (for nft: the failing line and the kernel's errno text). */
    public String detail() {
        return detail;
    }
}
