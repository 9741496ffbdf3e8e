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

    @Test
    void trafficPolicyDefaultsToClusterAndIsLeftOutOfTheJson() throws Exception {
        PortConfig five = new PortConfig("web", Protocol.TCP, 80, 8080, PublishMode.INGRESS);
        assertThat(five.trafficPolicy()).isEqualTo(TrafficPolicy.CLUSTER);
        assertThat(new PortConfig("web", Protocol.TCP, 80, 8080, PublishMode.INGRESS, null))
                .isEqualTo(five);
        String json = Json.mapper().writeValueAsString(five);
        assertThat(json).doesNotContain("trafficPolicy");
        String old = "{\"name\":\"web\",\"protocol\":\"tcp\",\"targetPort\":80,\"publishedPort\":8080,"
                + "\"publishMode\":\"ingress\"}";
        assertThat(Json.mapper().readValue(old, PortConfig.class)).isEqualTo(five);
        assertThat(Json.mapper().readValue(old.replace("}", ",\"trafficPolicy\":null}"), PortConfig.class))
                .isEqualTo(five);
    }

    @Test
    void localTrafficPolicyRoundTripsAsLowerCaseJson() throws Exception {
        PortConfig local = PortConfig.ingress(8080, 80).withTrafficPolicy(TrafficPolicy.LOCAL);
        assertThat(local.trafficPolicy()).isEqualTo(TrafficPolicy.LOCAL);
        assertThat(local.publishedPort()).isEqualTo(8080);
        assertThat(local.targetPort()).isEqualTo(80);
        String json = Json.mapper().writeValueAsString(local);
        assertThat(json).contains("\"trafficPolicy\":\"local\"");
        assertThat(Json.mapper().readValue(json, PortConfig.class)).isEqualTo(local);
        assertThat(Json.mapper().readValue(json.replace("\"local\"", "\"LOCAL\""), PortConfig.class))
                .isEqualTo(local);
        assertThat(local.withTrafficPolicy(null)).isEqualTo(PortConfig.ingress(8080, 80));
    }

    @Test
    void unknownTrafficPolicyIsAnErrorNamingTheField() {
        assertThatThrownBy(() -> TrafficPolicy.parse("nearest"))
                .hasMessage("traffic policy: 'nearest' is not one of cluster, local");
        String json = "{\"targetPort\":80,\"publishedPort\":8080,\"trafficPolicy\":\"nearest\"}";
        assertThatThrownBy(() -> Json.mapper().readValue(json, PortConfig.class))
                .hasMessageContaining("traffic policy: 'nearest' is not one of cluster, local");
    }
}
