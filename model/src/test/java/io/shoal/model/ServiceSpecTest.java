package io.shoal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSpecTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static ServiceSpec fullSpec() {
        ContainerSpec container = new ContainerSpec(
                "shoal/busybox:test",
                List.of("/bin/httpd"),
                List.of("-f", "-p", "80"),
                List.of("MODE=prod", "EMPTY="),
                "web-host",
                "nobody",
                "/www",
                new HealthCheck(
                        List.of("CMD", "wget", "-q", "localhost"),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(3),
                        4),
                Duration.ofSeconds(7));
        TaskSpec task = new TaskSpec(
                container,
                new ResourceRequirements(Resources.of(0.5, 64), Resources.of(1, 128)),
                new RestartPolicy(RestartCondition.ON_FAILURE, Duration.ofSeconds(1), 3, Duration.ofMinutes(1)),
                new Placement(
                        List.of(Constraint.parse("node.labels.zone==a"), Constraint.parse("node.role!=manager")),
                        List.of(PlacementPreference.parse("spread=node.labels.rack")),
                        2),
                List.of(NetworkAttachmentConfig.of("backend", "api", "www")));
        return new ServiceSpec(
                "web",
                Map.of("team", "edge"),
                task,
                ServiceMode.replicated(3),
                new UpdateConfig(
                        2,
                        Duration.ofSeconds(10),
                        FailureAction.ROLLBACK,
                        Duration.ofSeconds(15),
                        0.25,
                        UpdateOrder.START_FIRST),
                new UpdateConfig(1, null, FailureAction.CONTINUE, null, 0, null),
                new EndpointSpec(
                        EndpointMode.VIP,
                        List.of(
                                PortConfig.ingress(8080, 80),
                                new PortConfig("dns", Protocol.UDP, 53, 5353, PublishMode.HOST))));
    }

    @Test
    void fullSpecSurvivesAJsonRoundTrip() throws Exception {
        ServiceSpec spec = fullSpec();
        String json = Json.mapper().writeValueAsString(spec);
        assertThat(Json.mapper().readValue(json, ServiceSpec.class)).isEqualTo(spec);
        JsonNode tree = Json.mapper().readTree(json);
        assertThat(tree.at("/task/restartPolicy/condition").asText()).isEqualTo("on-failure");
        assertThat(tree.at("/update/order").asText()).isEqualTo("start-first");
        assertThat(tree.at("/task/placement/constraints/0").asText()).isEqualTo("node.labels.zone==a");
        assertThat(tree.at("/task/placement/preferences/0").asText()).isEqualTo("spread=node.labels.rack");
        assertThat(tree.at("/mode/kind").asText()).isEqualTo("replicated");
    }

    @Test
    void serviceWithMetaEndpointAndPreviousSpecSurvivesAJsonRoundTrip() throws Exception {
        ServiceSpec old = fullSpec();
        Service service = Service.created(Meta.created("svc1", T0), old)
                .updatedTo(old.withReplicas(5))
                .withEndpoint(new ServiceEndpoint(
                        old.endpoint().ports(), List.of(new VirtualIp("net1", Cidr.parse("vip", "100.64.0.2/24")))))
                .withMeta(Meta.created("svc1", T0).next(T0.plusSeconds(1)));
        String json = Json.mapper().writeValueAsString(service);
        Service back = Json.mapper().readValue(json, Service.class);
        assertThat(back).isEqualTo(service);
        assertThat(back.version()).isEqualTo(1);
        assertThat(back.previousSpec().mode().replicas()).isEqualTo(3);
        assertThat(back.endpoint().vipOn("net1")).hasToString("100.64.0.2/24");
        assertThat(Json.mapper().readTree(json).fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder("meta", "spec", "previousSpec", "endpoint");
    }

    @Test
    void minimalJsonGetsDockerDefaults() throws Exception {
        String json =
                """
                {"name": "api", "task": {"container": {"image": "img:1"}}}
                """;
        ServiceSpec spec = Json.mapper().readValue(json, ServiceSpec.class);
        assertThat(spec.mode()).isEqualTo(ServiceMode.replicated(1));
        assertThat(spec.endpoint().mode()).isEqualTo(EndpointMode.VIP);
        assertThat(spec.task().restartPolicy().condition()).isEqualTo(RestartCondition.ANY);
        assertThat(spec.task().restartPolicy().delay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(spec.update().parallelism()).isEqualTo(1);
        assertThat(spec.update().failureAction()).isEqualTo(FailureAction.PAUSE);
        assertThat(spec.task().container().healthCheck()).isEqualTo(HealthCheck.INHERIT);
        assertThat(spec.task().container().stopGracePeriod()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void badNameIsRefusedNamingTheFieldAndThePattern() {
        assertThatThrownBy(() -> ServiceSpec.replicated("Web App", "img", 1))
                .hasMessage("service name: 'Web App' must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
        assertThatThrownBy(() -> ServiceSpec.replicated("", "img", 1)).hasMessage("service name: must not be empty");
        assertThatThrownBy(() -> ServiceSpec.replicated("a".repeat(64), "img", 1))
                .hasMessageContaining("is 64 characters, at most 63");
    }

    @Test
    void negativeReplicasAreRefused() {
        assertThatThrownBy(() -> ServiceSpec.replicated("web", "img", -1)).hasMessage("replicas: -1 must be >= 0");
        assertThatThrownBy(() -> new ServiceMode(ServiceModeKind.GLOBAL, 2))
                .hasMessage("replicas: 2 given for a global service");
        assertThat(ServiceSpec.global("agent", "img").mode().global()).isTrue();
    }

    @Test
    void badJsonIsRefusedWithTheFieldNamedInTheError() {
        assertThatThrownBy(() ->
                        Json.mapper().readValue("{\"name\":\"web\",\"task\":{\"container\":{}}}", ServiceSpec.class))
                .hasMessageContaining("image: must not be empty");
        assertThatThrownBy(() -> Json.mapper()
                        .readValue(
                                "{\"name\":\"web\",\"task\":{\"container\":{\"image\":\"i\"}},\"mode\":{\"replicas\":-1}}",
                                ServiceSpec.class))
                .hasMessageContaining("replicas: -1 must be >= 0");
        assertThatThrownBy(() -> Json.mapper()
                        .readValue(
                                "{\"name\":\"web\",\"task\":{\"container\":{\"image\":\"i\"},\"restartPolicy\":{\"condition\":\"sometimes\"}}}",
                                ServiceSpec.class))
                .hasMessageContaining("restart condition: 'sometimes' is not one of none, on-failure, any");
    }

    @Test
    void conflictingPortsAndNetworksAreRefused() {
        assertThatThrownBy(() -> EndpointSpec.ports(PortConfig.ingress(8080, 80), PortConfig.ingress(8080, 81)))
                .hasMessage("ports[1]: published port 8080/tcp is already used by ports[0]");
        EndpointSpec sameNumberOtherProtocol = EndpointSpec.ports(
                PortConfig.ingress(53, 53), new PortConfig("", Protocol.UDP, 53, 53, PublishMode.INGRESS));
        assertThat(sameNumberOtherProtocol.ports()).hasSize(2);
        assertThatThrownBy(() -> new EndpointSpec(EndpointMode.DNSRR, List.of(PortConfig.ingress(8080, 80))))
                .hasMessageStartingWith("ports[0]: ingress publishing needs endpoint mode vip");
        assertThatThrownBy(() -> TaskSpec.of("img")
                        .withNetworks(List.of(NetworkAttachmentConfig.of("a"), NetworkAttachmentConfig.of("a"))))
                .hasMessage("networks: 'a' is listed twice");
        assertThatThrownBy(() -> NetworkAttachmentConfig.of("a", "bad alias"))
                .hasMessage("network alias: 'bad alias' must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    }

    @Test
    void containerResourceAndPolicyChecksNameTheField() {
        assertThatThrownBy(() -> ContainerSpec.of("bad image"))
                .hasMessage("image: 'bad image' must not contain whitespace");
        assertThatThrownBy(() -> ContainerSpec.of("img").withEnv(List.of("A=1", "=2")))
                .hasMessage("env[1]: '=2' must be NAME=value with a name");
        assertThatThrownBy(() -> new ResourceRequirements(Resources.of(2, 0), Resources.of(1, 0)))
                .hasMessage("resources: reserved nanoCpus 2000000000 exceed the limit 1000000000");
        assertThatThrownBy(() -> new Resources(0, -1)).hasMessage("memoryBytes: -1 must be >= 0");
        assertThatThrownBy(() -> new UpdateConfig(1, null, null, null, 1.5, null))
                .hasMessage("maxFailureRatio: 1.5 is outside 0.0..1.0");
        assertThatThrownBy(() -> new RestartPolicy(null, Duration.ofSeconds(-1), 0, null))
                .hasMessage("restart delay: PT-1S must not be negative");
        assertThatThrownBy(() -> new HealthCheck(List.of("RUN", "x"), null, null, null, 0))
                .hasMessage("healthcheck test: 'RUN' must be NONE, CMD or CMD-SHELL");
        assertThatThrownBy(() -> new HealthCheck(List.of("CMD-SHELL"), null, null, null, 0))
                .hasMessage("healthcheck test: CMD-SHELL needs a command");
    }
}
