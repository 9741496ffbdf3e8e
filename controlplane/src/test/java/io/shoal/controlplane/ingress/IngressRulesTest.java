package io.shoal.controlplane.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.model.Cidr;
import io.shoal.model.EndpointSpec;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.ServiceSpec;
import io.shoal.model.TaskSpec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IngressRulesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Network INGRESS = Ingress.network(T0)
            .withAllocation(4096, Cidr.parse("s", "100.64.0.0/24"), Cidr.parse("g", "100.64.0.1/24"));

    private static ServiceSpec web(PortConfig... ports) {
        ServiceSpec spec = ServiceSpec.replicated("web", "img", 2).withEndpoint(EndpointSpec.ports(ports));
        return spec.withTask(spec.task()
                .withNetworks(List.of(NetworkAttachmentConfig.of("front"), NetworkAttachmentConfig.of("back"))));
    }

    @Test
    void publishingServiceGetsTheIngressNetworkAsItsLastAttachment() {
        TaskSpec task = Ingress.taskSpec(web(PortConfig.ingress(8080, 80)), INGRESS);
        assertThat(task.networks())
                .extracting(NetworkAttachmentConfig::target)
                .containsExactly("front", "back", "ingress");
        // A port in ingress mode without a number is published from the dynamic range: attached too.
        TaskSpec dynamic = Ingress.taskSpec(web(new PortConfig("", Protocol.UDP, 53, 0, PublishMode.INGRESS)), INGRESS);
        assertThat(dynamic.networks())
                .extracting(NetworkAttachmentConfig::target)
                .endsWith("ingress");
    }

    @Test
    void serviceWithoutIngressPortsKeepsItsOwnNetworks() {
        ServiceSpec hostOnly = web(new PortConfig("", Protocol.TCP, 80, 8080, PublishMode.HOST));
        assertThat(Ingress.publishes(hostOnly)).isFalse();
        assertThat(Ingress.taskSpec(hostOnly, INGRESS)).isEqualTo(hostOnly.task());
        ServiceSpec none = web();
        assertThat(Ingress.taskSpec(none, INGRESS)).isEqualTo(none.task());
        ServiceSpec published = web(PortConfig.ingress(8080, 80));
        assertThat(Ingress.taskSpec(published, null)).isEqualTo(published.task());
    }

    @Test
    void theOldestIngressNetworkIsTheClustersOne() {
        Network later = Network.unallocated(
                Meta.created("zzz", T0.plusSeconds(5)),
                new NetworkSpec("mesh2", null, null, null, false, false, true, 0));
        Network plain = Network.unallocated(Meta.created("aaa", T0.minusSeconds(5)), NetworkSpec.overlay("front"));
        assertThat(Ingress.find(List.of(later, plain, INGRESS))).isEqualTo(INGRESS);
        assertThat(Ingress.find(List.of(plain))).isNull();
        assertThat(Ingress.spec().ingress()).isTrue();
        assertThat(Ingress.spec().name()).isEqualTo("ingress");
    }
}
