package io.shoal.dns.wire;

/**
 * A packet too short to hold a DNS header: there is no id to answer to, so the server drops it.
 * Carries no stack trace, because a flood of garbage must not cost one each.
 */
public final class UnreadableQueryException extends Exception {
    public UnreadableQueryException(String message) {
        super(message, null, false, false);
    }
}
