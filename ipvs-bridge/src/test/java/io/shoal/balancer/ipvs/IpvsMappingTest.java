package io.shoal.balancer.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import java.time.Duration;
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
