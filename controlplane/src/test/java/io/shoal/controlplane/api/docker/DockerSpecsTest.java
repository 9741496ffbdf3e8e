package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.api.ApiException;
import io.shoal.model.Constraint;
import io.shoal.model.EndpointSpec;
import io.shoal.model.HealthCheck;
import io.shoal.model.Json;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.Placement;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.ServiceSpec;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Docker's request JSON → Shoal's specs and back, without a server. */
class DockerSpecsTest {
    private static JsonNode json(String text) throws Exception {
        return Json.mapper().readTree(text);
    }

    /** What the docker 28 client sends for {@code service create} with a few options. */
    private static final String CREATE =
            """
            {"Name":"web","Labels":{},
             "TaskTemplate":{"ContainerSpec":{"Image":"shoal/busybox:test","Args":["httpd","-f","-p","80"],
               "Env":["A=b"],"Init":false,"DNSConfig":{},"Isolation":"default",
               "Healthcheck":{"Test":["CMD-SHELL","true"]}},
              "Resources":{"Limits":{},"Reservations":{}},
              "RestartPolicy":{"Condition":"any","MaxAttempts":0},
              "Placement":{"Constraints":["node.labels.zone == a"]},
              "Networks":[{"Target":"net1","Aliases":["www"]}],"ForceUpdate":0,"Runtime":"container"},
             "Mode":{"Replicated":{"Replicas":3}},
             "UpdateConfig":{"Parallelism":2,"Delay":3000000000,"FailureAction":"pause","Monitor":5000000000,
               "MaxFailureRatio":0,"Order":"start-first"},
             "RollbackConfig":{"Parallelism":1,"FailureAction":"pause","Monitor":5000000000,
               "MaxFailureRatio":0,"Order":"stop-first"},
             "EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,
               "PublishMode":"ingress"}]}}""";

    @Test
    void dockerServiceSpecMapsOntoShoalsFields() throws Exception {
        ServiceSpec s = DockerSpecs.service(json(CREATE));
        assertThat(s.name()).isEqualTo("web");
        assertThat(s.mode().replicas()).isEqualTo(3);
        assertThat(s.task().container().image()).isEqualTo("shoal/busybox:test");
        assertThat(s.task().container().args()).containsExactly("httpd", "-f", "-p", "80");
        assertThat(s.task().container().env()).containsExactly("A=b");
        assertThat(s.task().container().healthCheck().test()).containsExactly("CMD-SHELL", "true");
        // Zero durations in a health check mean "the default", as in Docker.
        assertThat(s.task().container().healthCheck().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.task().placement().constraints()).containsExactly(Constraint.parse("node.labels.zone==a"));
        assertThat(s.task().networks()).containsExactly(NetworkAttachmentConfig.of("net1", "www"));
        assertThat(s.update())
                .isEqualTo(new UpdateConfig(
                        2, Duration.ofSeconds(3), null, Duration.ofSeconds(5), 0, UpdateOrder.START_FIRST));
        assertThat(s.endpoint().ports()).containsExactly(PortConfig.ingress(8080, 80));
    }

    @Test
    void shoalSpecSurvivesTheRoundTripThroughDockerJson() throws Exception {
        ServiceSpec spec = ServiceSpec.replicated("api", "img:1", 4)
                .withTask(ServiceSpec.replicated("api", "img:1", 4)
                        .task()
                        .withContainer(ServiceSpec.replicated("api", "img:1", 4)
                                .task()
                                .container()
                                .withEnv(List.of("X=1"))
                                .withArgs(List.of("serve")))
                        .withPlacement(Placement.constraints("node.role==worker"))
                        .withNetworks(List.of(NetworkAttachmentConfig.of("back"))))
                .withEndpoint(new EndpointSpec(
                        null,
                        List.of(
                                new PortConfig("dns", Protocol.UDP, 53, 5353, PublishMode.HOST),
                                PortConfig.ingress(0, 80))))
                .withLabels(Map.of("team", "a"));
        JsonNode docker = json(Json.mapper().writeValueAsString(DockerViews.serviceSpec(spec)));
        assertThat(DockerSpecs.service(docker)).isEqualTo(spec);

        ServiceSpec global = ServiceSpec.global("agent", "img:2")
                .withTask(ServiceSpec.global("agent", "img:2")
                        .task()
                        .withContainer(ServiceSpec.global("agent", "img:2")
                                .task()
                                .container()
                                .withArgs(List.of("a"))
                                .withEnv(List.of()))
                        .withContainer(new io.shoal.model.ContainerSpec(
                                "img:2",
                                List.of("/bin/sh"),
                                List.of("-c", "x"),
                                null,
                                "h",
                                "u",
                                "/w",
                                HealthCheck.shell("true"),
                                Duration.ofSeconds(3))));
        assertThat(DockerSpecs.service(json(Json.mapper().writeValueAsString(DockerViews.serviceSpec(global)))))
                .isEqualTo(global);
    }

    @Test
    void unsupportedFeaturesAreRefusedNamingTheField() throws Exception {
        String secrets = CREATE.replace("\"Init\":false", "\"Secrets\":[{\"SecretName\":\"pw\"}]");
        assertThatThrownBy(() -> DockerSpecs.service(json(secrets)))
                .isInstanceOf(ApiException.class)
                .hasMessage("TaskTemplate.ContainerSpec.Secrets: secrets are not supported by Shoal");
        String job = CREATE.replace(
                "\"Mode\":{\"Replicated\":{\"Replicas\":3}}", "\"Mode\":{\"ReplicatedJob\":{\"MaxConcurrent\":1}}");
        assertThatThrownBy(() -> DockerSpecs.service(json(job)))
                .hasMessage("Mode.ReplicatedJob: jobs are not supported by Shoal");
        String unknown = CREATE.replace("\"Runtime\":\"container\"", "\"Runtime\":\"container\",\"Frobnicate\":7");
        assertThatThrownBy(() -> DockerSpecs.service(json(unknown)))
                .hasMessageStartingWith("TaskTemplate.Frobnicate: unknown or unsupported field");
    }

    @Test
    void badValuesGet400sThatNameTheDockerField() throws Exception {
        assertThatThrownBy(() -> DockerSpecs.service(json(CREATE.replace("\"Replicas\":3", "\"Replicas\":-1"))))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("Mode.Replicated.Replicas")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> DockerSpecs.service(json(CREATE.replace("\"Image\":\"shoal/busybox:test\",", ""))))
                .hasMessage("TaskTemplate.ContainerSpec.Image: an image is required");
        assertThatThrownBy(
                        () -> DockerSpecs.service(json(CREATE.replace("\"TargetPort\":80", "\"TargetPort\":\"80\""))))
                .hasMessageStartingWith("EndpointSpec.Ports[0].TargetPort: expected an integer");
        assertThatThrownBy(() -> DockerSpecs.service(
                        json(CREATE.replace("\"node.labels.zone == a\"", "\"engine.labels.x==1\""))))
                .hasMessageStartingWith("TaskTemplate.Placement.Constraints[0]: constraint: unknown key");
        assertThatThrownBy(() -> DockerSpecs.body("{\"Name\":".getBytes(), "service spec"))
                .hasMessageStartingWith("body: not valid JSON");
    }

    @Test
    void nodeAndNetworkRequestsMap() throws Exception {
        NodeSpec node =
                DockerSpecs.node(json("{\"Labels\":{\"zone\":\"a\"},\"Role\":\"manager\",\"Availability\":\"drain\"}"));
        assertThat(node).isEqualTo(new NodeSpec("", NodeRole.MANAGER, NodeAvailability.DRAIN, Map.of("zone", "a")));
        assertThatThrownBy(() -> DockerSpecs.node(json("{\"Availability\":\"sleep\"}")))
                .hasMessageContaining("node availability: 'sleep' is not one of active, pause, drain");

        NetworkSpec net = DockerSpecs.network(
                json(
                        """
                {"Name":"net1","CheckDuplicate":true,"Driver":"overlay","Attachable":true,
                 "IPAM":{"Driver":"default","Config":[{"Subnet":"100.64.10.0/24","Gateway":"100.64.10.1"}]},
                 "Options":{"com.docker.network.driver.mtu":"1400"},"Labels":{}}"""));
        assertThat(net.subnet()).hasToString("100.64.10.0/24");
        assertThat(net.gateway()).hasToString("100.64.10.1/24");
        assertThat(net.attachable()).isTrue();
        assertThat(net.mtu()).isEqualTo(1400);
        assertThatThrownBy(() -> DockerSpecs.network(json("{\"Name\":\"n\",\"Driver\":\"bridge\"}")))
                .hasMessageStartingWith("Driver: 'bridge' is not supported");
        assertThatThrownBy(
                        () -> DockerSpecs.network(
                                json(
                                        "{\"Name\":\"n\",\"Driver\":\"overlay\",\"IPAM\":{\"Config\":[{\"Subnet\":\"100.64.10.1/24\"}]}}")))
                .hasMessageContaining("IPAM.Config[0].Subnet")
                .hasMessageContaining("host bits");
    }

    @Test
    void filtersReadBothEncodingsAndRefuseUnknownNames() {
        Filters current = Filters.parse("{\"name\":{\"web\":true},\"label\":{\"a=b\":true}}", Set.of("name", "label"));
        Filters legacy = Filters.parse("{\"name\":[\"web\"]}", Set.of("name"));
        assertThat(current.get("name")).containsExactly("web");
        assertThat(legacy.get("name")).containsExactly("web");
        assertThat(current.prefix("name", "webapp")).isTrue();
        assertThat(current.prefix("name", "api")).isFalse();
        assertThat(current.labels("label", Map.of("a", "b"))).isTrue();
        assertThat(current.labels("label", Map.of("a", "c"))).isFalse();
        assertThatThrownBy(() -> Filters.parse("{\"colour\":[\"red\"]}", Set.of("name")))
                .hasMessageStartingWith("invalid filter 'colour'");
    }

    @Test
    void dockerTaskIdsAreStableAndDistinctPerTask() {
        String a = TaskIds.docker("svc.1.0");
        assertThat(a).hasSize(25).matches("[a-z0-9]+").isEqualTo(TaskIds.docker("svc.1.0"));
        assertThat(TaskIds.docker("svc.1.1").substring(0, 12)).isNotEqualTo(a.substring(0, 12));
    }
}
