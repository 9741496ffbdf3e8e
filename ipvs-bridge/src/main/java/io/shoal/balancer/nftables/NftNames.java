package io.shoal.balancer.nftables;

import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.ServiceKey;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Names of Shoal's nftables objects. Every name is derived from what identifies the thing (the
 * service key, the backend's address and port, a timeout's value), never from a counter, so the
 * same desired state always yields the same names and a diff can address objects by name.
 */
final class NftNames {
    /** Shoal's table; {@code inet} so that one table holds IPv4 and IPv6 services. */
    static final String TABLE = "inet shoal";

    static final String DISPATCH = "services";
    static final String OUTPUT = "nat_output";
    static final String PREROUTING = "nat_prerouting";
    static final String DRAIN_OUTPUT = "drain_output";
    static final String DRAIN_FORWARD = "drain_forward";
    /** Regular chain the drain chains go to for a flow past its grace: TCP reset, else ICMP. */
    static final String DRAIN_CUT = "drain_cut";
    /** Sets of VIP . protocol . backend . port that stopped taking new connections. */
    static final String LEAVING = "leaving";
    /** The subset of {@link #LEAVING} whose drain timeout has not passed yet. */
    static final String GRACE = "grace";

    private NftNames() {}

    /** The verdict map that holds {@code key}'s element. */
    static String map(ServiceKey key) {
        return "services" + (key.isIpv6() ? "6" : "4") + (key.allPorts() ? "any" : "");
    }

    /** {@code tcp_64400a0a_80}: protocol, VIP in hex, port (or {@code any}). */
    static String serviceId(ServiceKey key) {
        return key.protocol().keyword() + "_" + hex(key.vip()) + "_" + (key.allPorts() ? "any" : key.port());
    }

    /** The service's chain: the element of its verdict map jumps here. */
    static String serviceChain(ServiceKey key) {
        return "svc_" + serviceId(key);
    }

    /** A backend's chain within a service: it DNATs to the backend. */
    static String backendChain(ServiceKey key, Backend backend) {
        return serviceChain(key) + "_ep_" + hex(backend.address()) + "_" + backend.port();
    }

    /** The dynamic set of client addresses that stick to {@code backend}; named by its timeout. */
    static String affinitySet(ServiceKey key, Backend backend, Duration timeout) {
        return backendChain(key, backend) + "_aff" + timeout.getSeconds();
    }

    /** A conntrack timeout policy, shared by every service with the same family, protocol and value. */
    static String ctTimeout(boolean ipv6, Protocol protocol, Duration idle) {
        return "ct" + (ipv6 ? "6" : "4") + "_" + protocol.keyword() + "_" + idle.getSeconds();
    }

    private static String hex(InetAddress a) {
        StringBuilder sb = new StringBuilder();
        for (byte b : a.getAddress()) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
