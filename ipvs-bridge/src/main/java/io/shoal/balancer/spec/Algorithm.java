package io.shoal.balancer.spec;

/**
 * How a virtual service picks a backend for a new connection. Existing connections always stay
 * on the backend conntrack (or IPVS) chose for them.
 */
public enum Algorithm {
    /** Each active backend in turn; weights other than 0 are ignored (IPVS {@code rr}). */
    ROUND_ROBIN,
    /** In turn, each active backend as often as its weight says (IPVS {@code wrr}). */
    WEIGHTED,
    /**
     * The first connection of a client address picks a backend by weight; later connections from
     * the same address go to the same backend until the client is idle for the affinity timeout
     * (kube-proxy's ClientIP affinity; IPVS persistent services).
     */
    SOURCE_AFFINITY,
    /**
     * Maglev-style consistent hashing of the flow (source address and port) over a fixed-size
     * lookup table, so that a backend change moves only the flows of the changed backend (IPVS
     * {@code mh} with its port flag; nftables {@code jhash} over a vmap). Weights are honoured.
     */
    CONSISTENT_HASH
}
