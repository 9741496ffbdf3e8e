package io.shoal.ingress.policy;

import io.shoal.ingress.balance.BalanceMode;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one published port is proxied. The PROXY protocol fields mirror the model's {@code
 * PortConfig.proxyProtocol} and {@code trustedProxies} (the agent copies them); the others are not
 * in the model.
 *
 * @param balance backend choice
 * @param sendProxyProtocol PROXY header sent to the backend first, so the task sees the client
 * @param trustedProxies sources allowed to send a PROXY header to us (an external load balancer);
 *     empty disables accepting PROXY. A trusted source must send a header (else it is closed); an
 *     untrusted source that sends one is closed; an untrusted one without is proxied as usual
 * @param connectTimeout per backend connect attempt
 * @param connectAttempts backends tried (each a different one) before the client is closed
 * @param idleTimeout a TCP connection with no traffic either way this long is closed (zero: never)
 * @param drainTimeout a removed backend's open connections are closed after this long
 * @param udpFlowIdleTimeout a UDP flow with no datagram either way this long is forgotten
 */
public record PortPolicy(
        BalanceMode balance,
        ProxyProtocol sendProxyProtocol,
        List<Cidr> trustedProxies,
        Duration connectTimeout,
        int connectAttempts,
        Duration idleTimeout,
        Duration drainTimeout,
        Duration udpFlowIdleTimeout) {

    /** Round robin, no PROXY protocol, 2 s connect timeout, 3 attempts, 5 min idle, 30 s drain, 60 s UDP flows. */
    public static final PortPolicy DEFAULT = new PortPolicy(
            BalanceMode.ROUND_ROBIN,
            ProxyProtocol.NONE,
            List.of(),
            Duration.ofSeconds(2),
            3,
            Duration.ofMinutes(5),
            Duration.ofSeconds(30),
            Duration.ofSeconds(60));

    public PortPolicy {
        Objects.requireNonNull(balance, "balance");
        Objects.requireNonNull(sendProxyProtocol, "sendProxyProtocol");
        trustedProxies = List.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
        positive("connectTimeout", connectTimeout);
        notNegative("idleTimeout", idleTimeout);
        notNegative("drainTimeout", drainTimeout);
        positive("udpFlowIdleTimeout", udpFlowIdleTimeout);
        if (connectAttempts < 1 || connectAttempts > 16) {
            throw new IllegalArgumentException("connectAttempts: " + connectAttempts + " is outside 1..16");
        }
    }

    /** True when {@code source} may send us a PROXY header. */
    public boolean trusts(InetAddress source) {
        for (Cidr c : trustedProxies) {
            if (c.contains(source)) {
                return true;
            }
        }
        return false;
    }

    /** True when some source may send a PROXY header (the allow-list is not empty). */
    public boolean acceptsProxyProtocol() {
        return !trustedProxies.isEmpty();
    }

    /** A copy with another backend choice. */
    public PortPolicy withBalance(BalanceMode v) {
        return new PortPolicy(
                v,
                sendProxyProtocol,
                trustedProxies,
                connectTimeout,
                connectAttempts,
                idleTimeout,
                drainTimeout,
                udpFlowIdleTimeout);
    }

    /** A copy that sends another PROXY header version to backends. */
    public PortPolicy withSendProxyProtocol(ProxyProtocol v) {
        return new PortPolicy(
                balance,
                v,
                trustedProxies,
                connectTimeout,
                connectAttempts,
                idleTimeout,
                drainTimeout,
                udpFlowIdleTimeout);
    }

    /** A copy with another allow-list of PROXY senders. */
    public PortPolicy withTrustedProxies(List<Cidr> v) {
        return new PortPolicy(
                balance,
                sendProxyProtocol,
                v,
                connectTimeout,
                connectAttempts,
                idleTimeout,
                drainTimeout,
                udpFlowIdleTimeout);
    }

    /** A copy with another connect timeout per attempt. */
    public PortPolicy withConnectTimeout(Duration v) {
        return new PortPolicy(
                balance,
                sendProxyProtocol,
                trustedProxies,
                v,
                connectAttempts,
                idleTimeout,
                drainTimeout,
                udpFlowIdleTimeout);
    }

    /** A copy with another TCP idle timeout (zero: never). */
    public PortPolicy withIdleTimeout(Duration v) {
        return new PortPolicy(
                balance,
                sendProxyProtocol,
                trustedProxies,
                connectTimeout,
                connectAttempts,
                v,
                drainTimeout,
                udpFlowIdleTimeout);
    }

    /** A copy with another drain timeout. */
    public PortPolicy withDrainTimeout(Duration v) {
        return new PortPolicy(
                balance,
                sendProxyProtocol,
                trustedProxies,
                connectTimeout,
                connectAttempts,
                idleTimeout,
                v,
                udpFlowIdleTimeout);
    }

    /** A copy with another UDP flow idle timeout. */
    public PortPolicy withUdpFlowIdleTimeout(Duration v) {
        return new PortPolicy(
                balance,
                sendProxyProtocol,
                trustedProxies,
                connectTimeout,
                connectAttempts,
                idleTimeout,
                drainTimeout,
                v);
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + ": must be a positive duration, got " + d);
        }
    }

    private static void notNegative(String field, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(field + ": must be zero or positive, got " + d);
        }
    }
}
