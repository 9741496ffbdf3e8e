package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.IpLiterals;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IpvsMappingTest {
    private static VirtualService.Builder web() {
        return VirtualService.builder("web").vip("100.64.0.10").port(80).backend("198.18.0.11", 8080);
    }

    @Test
    void algorithmsMapToSchedulersAndFlags() {
        assertThat(IpvsMapping.service(web().build()))
                .extracting(IpvsService::scheduler, IpvsService::flags)
                .containsExactly("rr", 0);
        assertThat(IpvsMapping.service(web().algorithm(Algorithm.WEIGHTED).build()))
                .extracting(IpvsService::scheduler, IpvsService::flags)
                .containsExactly("wrr", 0);
        assertThat(IpvsMapping.service(
                        web().algorithm(Algorithm.CONSISTENT_HASH).build()))
                .extracting(IpvsService::scheduler, IpvsService::flags)
                .containsExactly("mh", IpVsH.IP_VS_SVC_F_SCHED_SH_PORT | IpVsH.IP_VS_SVC_F_SCHED_SH_FALLBACK);
        assertThat(IpvsMapping.service(
                        web().sourceAffinity(Duration.ofMinutes(10)).build()))
                .extracting(IpvsService::scheduler, IpvsService::flags, IpvsService::timeout, IpvsService::netmask)
                .containsExactly("wrr", IpVsH.IP_VS_SVC_F_PERSISTENT, 600, 0xffffffff);
    }

    @Test
    void udpAndAllPortsServicesAreKeyedAsIpvsExpects() {
        IpvsService udp = IpvsMapping.service(VirtualService.builder("dns")
                .vip("100.64.0.11")
                .protocol(Protocol.UDP)
                .port(53)
                .build());
        IpvsService any = IpvsMapping.service(VirtualService.builder("any")
                .vip("100.64.0.12")
                .allPorts()
                .backend("198.18.0.11", 0)
                .build());

        assertThat(udp.key().protocol()).isEqualTo(IpVsH.IPPROTO_UDP);
        assertThat(udp.key().port()).isEqualTo(53);
        // IPVS only schedules a port-zero service when it is persistent.
        assertThat(any.key().port()).isZero();
        assertThat(any.persistent()).isTrue();
        assertThat(any.timeout()).isEqualTo(IpvsMapping.ALL_PORTS_PERSISTENCE);
    }

    @Test
    void allPortsServiceWithAMarkIsAFwmarkServiceScheduledPerConnection() {
        VirtualService any = VirtualService.builder("any")
                .vip("100.64.0.12")
                .allPorts()
                .backend("198.18.0.11", 0)
                .backend("198.18.0.12", 0)
                .build();
        Map<IpvsMarks.Target, Integer> marks = Map.of(IpvsMarks.Target.of(any), 0x53480a0b);

        IpvsTable.Entry e = IpvsMapping.entry(any, marks);

        // Keyed as the kernel reports a fwmark service (no address, protocol or port of its own).
        assertThat(e.service().key())
                .isEqualTo(new IpvsServiceKey(IpLiterals.parse("0.0.0.0", "any"), IpVsH.IPPROTO_TCP, 0, 0x53480a0b));
        assertThat(e.service().persistent()).isFalse();
        assertThat(e.service().scheduler()).isEqualTo("rr");
        assertThat(e.destinations().values()).extracting(IpvsDestination::port).containsOnly(0);
        // Each algorithm keeps its scheduler and flags.
        assertThat(IpvsMapping.entry(
                                any.toBuilder().algorithm(Algorithm.WEIGHTED).build(), marks)
                        .service())
                .extracting(IpvsService::scheduler, IpvsService::flags, IpvsService::timeout)
                .containsExactly("wrr", 0, 0);
        assertThat(IpvsMapping.entry(
                                any.toBuilder()
                                        .algorithm(Algorithm.CONSISTENT_HASH)
                                        .build(),
                                marks)
                        .service())
                .extracting(IpvsService::scheduler, IpvsService::flags)
                .containsExactly("mh", IpVsH.IP_VS_SVC_F_SCHED_SH_PORT | IpVsH.IP_VS_SVC_F_SCHED_SH_FALLBACK);
        assertThat(IpvsMapping.entry(
                                any.toBuilder()
                                        .sourceAffinity(Duration.ofMinutes(10))
                                        .build(),
                                marks)
                        .service())
                .extracting(IpvsService::scheduler, IpvsService::flags, IpvsService::timeout)
                .containsExactly("wrr", IpVsH.IP_VS_SVC_F_PERSISTENT, 600);
        // An IPv6 VIP's fwmark service is of family AF_INET6.
        VirtualService any6 = VirtualService.builder("any6")
                .vip("2001:db8::12")
                .allPorts()
                .backend("2001:db8::11", 0)
                .build();
        assertThat(IpvsMapping.entry(any6, Map.of(IpvsMarks.Target.of(any6), 0x53480001))
                        .service()
                        .key()
                        .family())
                .isEqualTo(IpVsH.AF_INET6);
    }

    @Test
    void portServicesIgnoreMarksAndAMissingMarkIsAnError() {
        VirtualService any = VirtualService.builder("any")
                .vip("100.64.0.12")
                .allPorts()
                .backend("198.18.0.11", 0)
                .build();
        Map<IpvsMarks.Target, Integer> marks = Map.of(IpvsMarks.Target.of(any), 0x53480a0b);

        assertThat(IpvsMapping.entry(web().build(), marks).service().key())
                .isEqualTo(new IpvsServiceKey(IpLiterals.parse("100.64.0.10", "vip"), IpVsH.IPPROTO_TCP, 80, 0));
        assertThatThrownBy(() -> IpvsMapping.entry(any, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no firewall mark for all-ports service any (100.64.0.12/tcp)");
        assertThatThrownBy(() -> IpvsMapping.service(web().build(), 0x53480a0b))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only all-ports services use a mark");
    }

    @Test
    void drainingBackendGetsWeightZeroAndOthersKeepTheirs() {
        VirtualService s = web().algorithm(Algorithm.WEIGHTED)
                .backend(io.shoal.balancer.spec.Backend.of("198.18.0.12", 8080).withWeight(3))
                .backend(io.shoal.balancer.spec.Backend.of("198.18.0.13", 8080)
                        .withWeight(4)
                        .asDraining())
                .build();

        assertThat(IpvsMapping.entry(s).destinations().values())
                .extracting(IpvsDestination::weight)
                .containsExactly(1, 3, 0);
        assertThat(IpvsMapping.entry(s).destinations().values())
                .extracting(IpvsDestination::forwardMethod)
                .containsOnly(IpVsH.IP_VS_CONN_F_MASQ);
    }

    @Test
    void perServiceIdleTimeoutIsRefusedNamingTheService() {
        VirtualService s = web().idleTimeout(Duration.ofSeconds(60)).build();

        assertThatThrownBy(() -> IpvsMapping.entry(s))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idleTimeout of service web")
                .hasMessageContaining("per namespace");
    }

    @Test
    void optionsBecomeTheNamespaceTimeoutsKeepingFin() {
        BalancerOptions o = BalancerOptions.defaults().withUdpIdleTimeout(Duration.ofSeconds(45));

        assertThat(IpvsMapping.config(o, new IpvsConfig(900, 120, 300))).isEqualTo(new IpvsConfig(86_400, 120, 45));
    }
}
