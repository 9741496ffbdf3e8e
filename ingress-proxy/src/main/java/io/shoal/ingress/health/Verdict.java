package io.shoal.ingress.health;

import io.shoal.ingress.mesh.PortState;
import io.shoal.model.Protocol;
import java.util.List;
import java.util.Objects;

/**
 * A health answer: serving or not, and a one-line reason. The functions here are pure, so the
 * rules are tested without sockets.
 *
 * @param ok true when the node (or port) can serve right now
 * @param reason {@code ok}, or why not ({@code draining}, {@code no backend}, …)
 */
public record Verdict(boolean ok, String reason) {
    /** Reason when the mesh is not started (or already closed). */
    public static final String NOT_STARTED = "not started";
    /** Reason while the node is draining. */
    public static final String DRAINING = "draining";
    /** Reason for a port the applied table does not publish. */
    public static final String NOT_PUBLISHED = "port not published";
    /** Reason for a local-only port (host mode or local policy) without a ready task here. */
    public static final String NO_LOCAL_TASK = "no ready task on this node";
    /** Reason for a port without any ready task to forward to. */
    public static final String NO_BACKEND = "no backend";

    private static final Verdict OK = new Verdict(true, "ok");

    public Verdict {
        Objects.requireNonNull(reason, "reason");
    }

    /** The node serves when the mesh is started and the node is not draining. */
    public static Verdict node(boolean started, boolean draining) {
        if (!started) {
            return new Verdict(false, NOT_STARTED);
        }
        if (draining) {
            return new Verdict(false, DRAINING);
        }
        return OK;
    }

    /**
     * One published port number: {@code states} are the published ports of the applied table;
     * {@code protocol} null means every protocol published on {@code port} must serve.
     */
    public static Verdict port(boolean started, boolean draining, int port, Protocol protocol, List<PortState> states) {
        if (!started) {
            return new Verdict(false, NOT_STARTED);
        }
        List<PortState> matching = states.stream()
                .filter(s ->
                        s.key().port() == port && (protocol == null || s.key().protocol() == protocol))
                .toList();
        if (matching.isEmpty()) {
            return new Verdict(false, NOT_PUBLISHED);
        }
        if (draining) {
            return new Verdict(false, DRAINING);
        }
        for (PortState s : matching) {
            Verdict v = port(s);
            if (!v.ok()) {
                // Two protocols on one number: say which one fails.
                return matching.size() == 1
                        ? v
                        : new Verdict(false, s.key().protocol().json() + ": " + v.reason());
            }
        }
        return OK;
    }

    private static Verdict port(PortState s) {
        if (!s.failure().isEmpty()) {
            return new Verdict(false, "not listening: " + s.failure());
        }
        if (!s.listening() || s.backends() == 0) {
            return new Verdict(false, s.localOnly() ? NO_LOCAL_TASK : NO_BACKEND);
        }
        return OK;
    }
}
