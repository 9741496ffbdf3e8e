package io.shoal.balancer.spec;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One service VIP as the kernel should balance it: VIP, protocol, port (or all ports), algorithm
 * and backends. Immutable and checked at construction; build it with {@link #builder(String)}.
 * Two services are equal when every field is equal, which is what the diff in {@code apply} uses.
 */
public final class VirtualService {
    /** Default affinity timeout: kube-proxy's ClientIP default, three hours. */
    public static final Duration DEFAULT_AFFINITY_TIMEOUT = Duration.ofHours(3);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(Integer.MAX_VALUE);

    private final String name;
    private final ServiceKey key;
    private final Algorithm algorithm;
    private final Duration affinityTimeout;
    private final Duration idleTimeout;
    private final List<Backend> backends;

    private VirtualService(Builder b) {
        if (b.name == null || b.name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        if (!NAME.matcher(b.name).matches()) {
            throw new IllegalArgumentException(
                    "name must be 1..63 characters of [A-Za-z0-9_.-] starting with a letter or digit, was '" + b.name
                            + "'");
        }
        this.name = b.name;
        if (b.vip == null) {
            throw new IllegalArgumentException("vip must be set for service " + name);
        }
        if (b.vip.isAnyLocalAddress() || b.vip.isMulticastAddress() || b.vip.isLoopbackAddress()) {
            throw new IllegalArgumentException("vip must be a unicast, non-loopback address, was "
                    + IpLiterals.format(b.vip) + " for service " + name);
        }
        if (b.port == null) {
            throw new IllegalArgumentException(
                    "port must be set for service " + name + ": port(1..65535) or allPorts()");
        }
        this.key = new ServiceKey(b.vip, Objects.requireNonNull(b.protocol, "protocol"), b.port);
        this.algorithm = Objects.requireNonNull(b.algorithm, "algorithm must not be null");
        if (b.affinityTimeout != null && algorithm != Algorithm.SOURCE_AFFINITY) {
            throw new IllegalArgumentException(
                    "affinityTimeout applies only to SOURCE_AFFINITY, service " + name + " uses " + algorithm);
        }
        this.affinityTimeout = algorithm == Algorithm.SOURCE_AFFINITY
                ? checkTimeout(
                        b.affinityTimeout == null ? DEFAULT_AFFINITY_TIMEOUT : b.affinityTimeout, "affinityTimeout")
                : null;
        this.idleTimeout = b.idleTimeout == null ? null : checkTimeout(b.idleTimeout, "idleTimeout");
        this.backends = List.copyOf(checkBackends(b.backends));
    }

    private Duration checkTimeout(Duration d, String field) {
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_TIMEOUT) > 0 || d.getNano() != 0) {
            throw new IllegalArgumentException(field + " must be whole seconds in 1s.." + MAX_TIMEOUT.getSeconds()
                    + "s, was " + d + " for service " + name);
        }
        return d;
    }

    private List<Backend> checkBackends(List<Backend> list) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Backend be = Objects.requireNonNull(list.get(i), "backends[" + i + "] must not be null");
            String field = "backends[" + i + "]";
            if (be.isIpv6() != key.isIpv6()) {
                throw new IllegalArgumentException(field + ".address " + IpLiterals.format(be.address()) + " is "
                        + (be.isIpv6() ? "IPv6" : "IPv4") + " but vip " + IpLiterals.format(key.vip()) + " is "
                        + (key.isIpv6() ? "IPv6" : "IPv4") + " (service " + name + ")");
            }
            if (key.allPorts() && be.port() != 0) {
                throw new IllegalArgumentException(field + ".port must be 0 for all-ports service " + name
                        + " (the client's port is kept), was " + be.port());
            }
            if (!key.allPorts() && be.port() == 0) {
                throw new IllegalArgumentException(
                        field + ".port must be 1..65535 for service " + name + " on port " + key.port() + ", was 0");
            }
            Integer before = seen.putIfAbsent(be.endpoint(), i);
            if (before != null) {
                throw new IllegalArgumentException(
                        field + " duplicates backends[" + before + "] (" + be.endpoint() + ") in service " + name);
            }
        }
        return list;
    }

    /** Starts a service named {@code name} (1..63 of {@code [A-Za-z0-9_.-]}); TCP and round robin by default. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this service's values, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder(name)
                .vip(key.vip())
                .protocol(key.protocol())
                .algorithm(algorithm)
                .backends(backends);
        b.port = key.port();
        b.affinityTimeout = affinityTimeout;
        b.idleTimeout = idleTimeout;
        return b;
    }

    /** The service's name, used in rule comments and messages. */
    public String name() {
        return name;
    }

    /** VIP, protocol and port: what the kernel looks up. */
    public ServiceKey key() {
        return key;
    }

    /** The virtual IP clients connect to. */
    public InetAddress vip() {
        return key.vip();
    }

    /** TCP or UDP. */
    public Protocol protocol() {
        return key.protocol();
    }

    /** The port, or {@link ServiceKey#ALL_PORTS} (0). */
    public int port() {
        return key.port();
    }

    /** True when the service answers on every port of its VIP. */
    public boolean allPorts() {
        return key.allPorts();
    }

    /** How a new connection picks its backend. */
    public Algorithm algorithm() {
        return algorithm;
    }

    /** How long a client stays on its backend after its last new connection; only for SOURCE_AFFINITY. */
    public Optional<Duration> affinityTimeout() {
        return Optional.ofNullable(affinityTimeout);
    }

    /** This service's conntrack idle timeout, when it overrides the balancer's default for its protocol. */
    public Optional<Duration> idleTimeout() {
        return Optional.ofNullable(idleTimeout);
    }

    /** All backends in the given order, draining and zero-weight ones included. */
    public List<Backend> backends() {
        return backends;
    }

    /** The backends that take new connections (not draining, weight above 0), in order. */
    public List<Backend> activeBackends() {
        return backends.stream().filter(Backend::active).toList();
    }

    @Override
    public boolean equals(Object o) {
        return this == o
                || o instanceof VirtualService v
                        && name.equals(v.name)
                        && key.equals(v.key)
                        && algorithm == v.algorithm
                        && Objects.equals(affinityTimeout, v.affinityTimeout)
                        && Objects.equals(idleTimeout, v.idleTimeout)
                        && backends.equals(v.backends);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, key, algorithm, affinityTimeout, idleTimeout, backends);
    }

    @Override
    public String toString() {
        return name + " " + key + " " + algorithm + " " + backends.size() + " backends";
    }

    /** Builds a {@link VirtualService}; every check happens in {@link #build()}. */
    public static final class Builder {
        private final String name;
        private InetAddress vip;
        private Protocol protocol = Protocol.TCP;
        private Integer port;
        private Algorithm algorithm = Algorithm.ROUND_ROBIN;
        private Duration affinityTimeout;
        private Duration idleTimeout;
        private final List<Backend> backends = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /** The virtual IP. */
        public Builder vip(InetAddress address) {
            this.vip = address;
            return this;
        }

        /** The VIP as an IP literal (never resolved through DNS). */
        public Builder vip(String literal) {
            return vip(IpLiterals.parse(literal, "vip"));
        }

        /** TCP (the default) or UDP. */
        public Builder protocol(Protocol p) {
            this.protocol = p;
            return this;
        }

        /** The service port, 1..65535. Port 0 is refused: use {@link #allPorts()}. */
        public Builder port(int p) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, was " + p + " for service " + name
                        + " (use allPorts() for every port)");
            }
            this.port = p;
            return this;
        }

        /** Answers on every port of the VIP (as an IPVS fwmark service); backends then use port 0. */
        public Builder allPorts() {
            this.port = ServiceKey.ALL_PORTS;
            return this;
        }

        /** The algorithm; ROUND_ROBIN by default. */
        public Builder algorithm(Algorithm a) {
            this.algorithm = a;
            return this;
        }

        /** Source affinity with this timeout (sets the algorithm to SOURCE_AFFINITY). */
        public Builder sourceAffinity(Duration timeout) {
            this.algorithm = Algorithm.SOURCE_AFFINITY;
            this.affinityTimeout = Objects.requireNonNull(timeout, "affinityTimeout");
            return this;
        }

        /** Overrides the balancer's conntrack idle timeout for this service's protocol. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        /** Adds a backend. */
        public Builder backend(Backend b) {
            this.backends.add(b);
            return this;
        }

        /** Adds a backend of weight 1 at an IP literal. */
        public Builder backend(String address, int backendPort) {
            return backend(Backend.of(address, backendPort));
        }

        /** Replaces the backends. */
        public Builder backends(List<Backend> list) {
            this.backends.clear();
            this.backends.addAll(list);
            return this;
        }

        /** Checks every field and builds the service; the message names the field that is wrong. */
        public VirtualService build() {
            return new VirtualService(this);
        }
    }
}
