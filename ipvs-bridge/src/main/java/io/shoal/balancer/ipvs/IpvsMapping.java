package io.shoal.balancer.ipvs;

import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.Backend;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Translates Shoal's services into IPVS services and destinations (masquerading, so the VIP is
 * DNATed to each backend).
 *
 * <table>
 *   <tr><th>algorithm</th><th>scheduler</th><th>flags</th></tr>
 *   <tr><td>ROUND_ROBIN</td><td>{@code rr}</td><td>–</td></tr>
 *   <tr><td>WEIGHTED</td><td>{@code wrr}</td><td>–</td></tr>
 *   <tr><td>SOURCE_AFFINITY</td><td>{@code wrr}</td><td>PERSISTENT, timeout = affinity timeout,
 *       netmask /32 (/128): one client address sticks</td></tr>
 *   <tr><td>CONSISTENT_HASH</td><td>{@code mh}</td><td>SCHED_SH_PORT (hash address and port, as
 *       the nftables backend) | SCHED_SH_FALLBACK (skip a quiesced destination)</td></tr>
 * </table>
 *
 * <p>An all-ports service is an IPVS <b>fwmark service</b> when the namespace can mark its packets
 * ({@link IpvsMarks}: the caller passes the marks): keyed by the mark of its VIP and protocol,
 * scheduled per connection with its own algorithm, like a port service. Without marks (a kernel
 * that cannot mark) it falls back to IPVS's "port zero" service, which the kernel only schedules
 * when it is persistent: its timeout is the affinity timeout, or {@value #ALL_PORTS_PERSISTENCE} s
 * for other algorithms (one client's connections within a second share a backend). A draining
 * backend gets
 * weight 0. Per-service idle timeouts do not exist in IPVS (its timeouts are per namespace), so a
 * service that sets one is refused rather than silently given the namespace's.
 */
public final class IpvsMapping {
    /** Persistence of an all-ports service without affinity, in seconds: as short as IPVS allows. */
    public static final int ALL_PORTS_PERSISTENCE = 1;

    private static final int IPV4_HOST_MASK = 0xffffffff;
    private static final int IPV6_HOST_PREFIX = 128;

    private IpvsMapping() {}

    /** Every service of {@code desired} as an IPVS table, all-ports services as port-zero services. */
    public static IpvsTable table(DesiredState desired) {
        return table(desired, null);
    }

    /**
     * Every service of {@code desired} as an IPVS table.
     *
     * @param marks the mark of every all-ports service's VIP and protocol ({@link IpvsMarks#assign}),
     *     or null for port-zero services
     */
    public static IpvsTable table(DesiredState desired, Map<IpvsMarks.Target, Integer> marks) {
        List<IpvsTable.Entry> entries = new ArrayList<>(desired.size());
        for (VirtualService s : desired.services()) {
            entries.add(entry(s, marks));
        }
        return IpvsTable.of(entries);
    }

    /**
     * Refuses what IPVS cannot do (as {@link #entry} would), without building anything.
     *
     * @throws IllegalArgumentException naming the first service IPVS cannot program
     */
    public static void check(DesiredState desired) {
        check(desired.services());
    }

    /** {@link #check(DesiredState)} for some services only (those an apply adds or changes). */
    public static void check(Collection<VirtualService> services) {
        for (VirtualService s : services) {
            checkIdleTimeout(s);
        }
    }

    private static void checkIdleTimeout(VirtualService s) {
        if (s.idleTimeout().isPresent()) {
            throw new IllegalArgumentException("idleTimeout of service " + s.name()
                    + " cannot be honoured by IPVS: its idle timeouts are per namespace (use BalancerOptions)");
        }
    }

    /** One service and its destinations (an all-ports service as a port-zero service). */
    public static IpvsTable.Entry entry(VirtualService s) {
        return entry(s, null);
    }

    /** One service and its destinations; {@code marks} as for {@link #table(DesiredState, Map)}. */
    public static IpvsTable.Entry entry(VirtualService s, Map<IpvsMarks.Target, Integer> marks) {
        checkIdleTimeout(s);
        List<IpvsDestination> dests = new ArrayList<>(s.backends().size());
        for (Backend b : s.backends()) {
            dests.add(IpvsDestination.masq(b.address(), b.port(), b.draining() ? 0 : b.weight()));
        }
        int mark = 0;
        if (s.allPorts() && marks != null) {
            Integer m = marks.get(IpvsMarks.Target.of(s));
            if (m == null || m == 0) {
                throw new IllegalArgumentException(
                        "no firewall mark for all-ports service " + s.name() + " (" + IpvsMarks.Target.of(s) + ")");
            }
            mark = m;
        }
        return IpvsTable.Entry.of(service(s, mark), dests);
    }

    /** The IPVS service for {@code s} (an all-ports service as a port-zero service). */
    public static IpvsService service(VirtualService s) {
        return service(s, 0);
    }

    /**
     * The IPVS service for {@code s}: with {@code fwmark} not 0 (all-ports services only) the fwmark
     * service of that mark, keyed as the kernel reports it (any address of the VIP's family, TCP,
     * port 0), scheduled like a port service.
     */
    public static IpvsService service(VirtualService s, int fwmark) {
        if (fwmark != 0 && !s.allPorts()) {
            throw new IllegalArgumentException(
                    "service " + s.name() + " has a port: only all-ports services use a mark");
        }
        IpvsServiceKey key = fwmark != 0
                ? new IpvsServiceKey(anyAddress(s.vip()), IpVsH.IPPROTO_TCP, 0, fwmark)
                : new IpvsServiceKey(
                        s.vip(), s.protocol() == Protocol.TCP ? IpVsH.IPPROTO_TCP : IpVsH.IPPROTO_UDP, s.port(), 0);
        int netmask = s.vip() instanceof Inet6Address ? IPV6_HOST_PREFIX : IPV4_HOST_MASK;
        String scheduler;
        int flags = 0;
        int timeout = 0;
        if (s.algorithm() == Algorithm.SOURCE_AFFINITY) {
            scheduler = "wrr";
            flags = IpVsH.IP_VS_SVC_F_PERSISTENT;
            timeout = (int) s.affinityTimeout().orElseThrow().getSeconds();
        } else if (s.algorithm() == Algorithm.CONSISTENT_HASH) {
            scheduler = "mh";
            flags = IpVsH.IP_VS_SVC_F_SCHED_SH_PORT | IpVsH.IP_VS_SVC_F_SCHED_SH_FALLBACK;
        } else {
            scheduler = s.algorithm() == Algorithm.WEIGHTED ? "wrr" : "rr";
        }
        if (s.allPorts() && fwmark == 0 && timeout == 0) {
            flags |= IpVsH.IP_VS_SVC_F_PERSISTENT;
            timeout = ALL_PORTS_PERSISTENCE;
        }
        return new IpvsService(key, scheduler, flags, timeout, netmask);
    }

    /** {@code 0.0.0.0} or {@code ::}: the address a fwmark service's key carries. */
    static InetAddress anyAddress(InetAddress like) {
        try {
            return InetAddress.getByAddress(new byte[like.getAddress().length]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The namespace timeouts for {@code options}; the FIN timeout stays as {@code current} has it. */
    public static IpvsConfig config(BalancerOptions options, IpvsConfig current) {
        return new IpvsConfig((int) options.tcpIdleTimeout().getSeconds(), current.tcpFin(), (int)
                options.udpIdleTimeout().getSeconds());
    }
}
