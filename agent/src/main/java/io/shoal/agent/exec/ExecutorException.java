package io.shoal.agent.exec;

/** An executor could not do what was asked; the message names the task or runtime and the cause. */
public final class ExecutorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ExecutorException(String message) {
        super(message);
    }

    public ExecutorException(String message, Throwable cause) {
        super(message, cause);
    }
}
