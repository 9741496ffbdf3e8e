package io.shoal.controlplane;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The LATENT → STARTED → CLOSED life of a control-plane component, kept in an {@link
 * AtomicReference} as Curator's {@code LeaderLatch} does: {@code start()} works once, {@code close()}
 * works once and only after a start.
 */
public final class Lifecycle {
    /** The states of a component. */
    public enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final String component;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);

    public Lifecycle(String component) {
        this.component = component;
    }

    /** Moves LATENT → STARTED; a second call (or a call after close) fails naming the component. */
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException(
                    component + ": cannot be started more than once (state " + state.get() + ")");
        }
    }

    /** Moves STARTED → CLOSED; true when this call closed it, false when it was not started or already closed. */
    public boolean close() {
        return state.compareAndSet(State.STARTED, State.CLOSED);
    }

    /** Throws unless started and not closed. */
    public void checkStarted() {
        State s = state.get();
        if (s != State.STARTED) {
            throw new IllegalStateException(component + ": not started (state " + s + ")");
        }
    }

    public State state() {
        return state.get();
    }
}
