package io.shoal.balancer.ipvs;

/**
 * The namespace-wide IPVS connection timeouts ({@code IPVS_CMD_SET_CONFIG}/{@code GET_CONFIG}), in
 * seconds. IPVS has no per-service idle timeout: these apply to every service of the namespace.
 * In a SET_CONFIG, 0 leaves a value unchanged.
 *
 * @param tcp idle timeout of an established TCP connection (kernel default 900)
 * @param tcpFin timeout of a TCP connection after FIN (kernel default 120)
 * @param udp idle timeout of a UDP flow (kernel default 300)
 */
public record IpvsConfig(int tcp, int tcpFin, int udp) {
    public IpvsConfig {
        if (tcp < 0 || tcpFin < 0 || udp < 0) {
            throw new IllegalArgumentException(
                    "timeouts must be >= 0 seconds, were tcp " + tcp + " tcpFin " + tcpFin + " udp " + udp);
        }
    }
}
