package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PortConfigTest {
    @Test
    void defaultsAreTcpAndIngress() {
        PortConfig p = new PortConfig(null, null, 80, 8080, null);
        assertThat(p.protocol()).isEqualTo(Protocol.TCP);
        assertThat(p.publishMode()).isEqualTo(PublishMode.INGRESS);
        assertThat(p.isPublished()).isTrue();
        assertThat(new PortConfig("", Protocol.UDP, 53, 0, PublishMode.HOST).isPublished())
                .isFalse();
    }

    @Test
    void portsOutOfRangeNameTheField() {
        assertThatThrownBy(() -> PortConfig.ingress(70000, 80)).hasMessage("publishedPort: 70000 is outside 0..65535");
        assertThatThrownBy(() -> PortConfig.ingress(80, 0)).hasMessage("targetPort: 0 is outside 1..65535");
    }

    @Test
    void enumsParseAnyCaseAndRejectUnknownValuesListingTheAccepted() {
        assertThat(Protocol.parse("UDP")).isEqualTo(Protocol.UDP);
        assertThat(EndpointMode.parse("dnsrr")).isEqualTo(EndpointMode.DNSRR);
        assertThatThrownBy(() -> Protocol.parse("sctp")).hasMessage("protocol: 'sctp' is not one of tcp, udp");
        assertThatThrownBy(() -> PublishMode.parse(null)).hasMessageContaining("is not one of ingress, host");
    }

    @Test
    void jsonCarriesOnlyTheSpecFields() throws Exception {
        String json = Json.mapper().writeValueAsString(PortConfig.ingress(8080, 80));
        assertThat(json).doesNotContain("\"published\"").contains("\"publishedPort\":8080");
        assertThat(Json.mapper().readValue(json, PortConfig.class)).isEqualTo(PortConfig.ingress(8080, 80));
    }
}
