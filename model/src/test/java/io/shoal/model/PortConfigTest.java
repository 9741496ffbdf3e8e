package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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

    @Test
    void proxySettingsDefaultToOffAndAreLeftOutOfTheJson() throws Exception {
        PortConfig p = PortConfig.ingress(8080, 80);
        assertThat(p.proxyProtocol()).isEqualTo(ProxyProtocolVersion.NONE);
        assertThat(p.trustedProxies()).isEmpty();
        assertThat(p.acceptsProxyProtocol()).isFalse();
        String json = Json.mapper().writeValueAsString(p);
        assertThat(json).doesNotContain("proxyProtocol").doesNotContain("trustedProxies");
        String explicit = "{\"targetPort\":80,\"publishedPort\":8080,\"proxyProtocol\":null,\"trustedProxies\":[]}";
        assertThat(Json.mapper().readValue(explicit, PortConfig.class)).isEqualTo(p);
    }

    @Test
    void proxySettingsRoundTripAndTrustedSourcesAreNormalized() throws Exception {
        PortConfig p = PortConfig.ingress(8080, 80)
                .withProxyProtocol(ProxyProtocolVersion.V2)
                .withTrustedProxies(List.of(" 198.18.1.0/24", "198.18.1.77"));
        assertThat(p.trustedProxies()).containsExactly("198.18.1.0/24", "198.18.1.77/32");
        assertThat(p.trustedProxyCidrs())
                .containsExactly(Cidr.parse("t", "198.18.1.0/24"), Cidr.parse("t", "198.18.1.77/32"));
        assertThat(p.acceptsProxyProtocol()).isTrue();
        String json = Json.mapper().writeValueAsString(p);
        assertThat(json)
                .contains("\"proxyProtocol\":\"v2\"")
                .contains("\"trustedProxies\":[\"198.18.1.0/24\",\"198.18.1.77/32\"]");
        assertThat(Json.mapper().readValue(json, PortConfig.class)).isEqualTo(p);
        assertThat(Json.mapper().readValue(json.replace("\"v2\"", "\"V2\""), PortConfig.class))
                .isEqualTo(p);
        // The allocator's copy keeps every field.
        assertThat(p.withPublishedPort(30001).proxyProtocol()).isEqualTo(ProxyProtocolVersion.V2);
        assertThat(p.withPublishedPort(30001).trustedProxies()).isEqualTo(p.trustedProxies());
        assertThat(p.withTrafficPolicy(TrafficPolicy.LOCAL).proxyProtocol()).isEqualTo(ProxyProtocolVersion.V2);
    }

    @Test
    void badProxySettingsAreErrorsNamingTheField() {
        assertThatThrownBy(() -> ProxyProtocolVersion.parse("v3"))
                .hasMessage("proxyProtocol: 'v3' is not one of none, v1, v2");
        assertThatThrownBy(
                        () -> PortConfig.ingress(8080, 80).withTrustedProxies(List.of("198.18.1.0/24", "lb.example")))
                .hasMessage("trustedProxies[1]: 'lb.example/32' is not an IPv4 address");
        assertThatThrownBy(() -> PortConfig.ingress(8080, 80).withTrustedProxies(List.of("198.18.1.0/40")))
                .hasMessage("trustedProxies[0]: '198.18.1.0/40' prefix length must be 0..32");
        assertThatThrownBy(
                        () -> PortConfig.ingress(8080, 80).withTrustedProxies(List.of("198.18.1.1", "198.18.1.1/32")))
                .hasMessage("trustedProxies[1]: '198.18.1.1/32' is listed twice");
        assertThatThrownBy(() -> PortConfig.ingress(8080, 80).withTrustedProxies(java.util.Arrays.asList(" ")))
                .hasMessageStartingWith("trustedProxies[0]: must be an IPv4 CIDR");
        PortConfig udp = new PortConfig("", Protocol.UDP, 53, 5353, PublishMode.INGRESS);
        assertThatThrownBy(() -> udp.withProxyProtocol(ProxyProtocolVersion.V1))
                .hasMessage("proxyProtocol: v1 is for TCP ports only, port 53 is udp");
        assertThatThrownBy(() -> udp.withTrustedProxies(List.of("198.18.1.0/24")))
                .hasMessage("trustedProxies: PROXY headers are accepted on TCP ports only, port 53 is udp");
        String json = "{\"targetPort\":80,\"publishedPort\":8080,\"proxyProtocol\":\"v9\"}";
        assertThatThrownBy(() -> Json.mapper().readValue(json, PortConfig.class))
                .hasMessageContaining("proxyProtocol: 'v9' is not one of none, v1, v2");
    }
}
