package io.shoal.controlplane.api.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.model.Json;
import io.shoal.model.Meta;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cached listing is byte for byte what rendering each service afresh would give. */
class ServiceViewsTest {
    private static Service service(String id, String name, long replicas) {
        return Service.created(
                Meta.created(id, Instant.parse("2026-12-06T00:00:00Z")),
                ServiceSpec.replicated(name, "img:1", replicas));
    }

    @Test
    void listingEqualsFreshRenderingWithAndWithoutCounts() throws Exception {
        ServiceViews views = new ServiceViews();
        Service a = service("aaaa", "a", 2);
        Service b = service("bbbb", "b", 3);
        JsonNode plain = Json.mapper().readTree(views.list(List.of(a, b), null));
        assertThat(plain)
                .isEqualTo(reparsed(Json.mapper()
                        .createArrayNode()
                        .add(DockerViews.service(a, null))
                        .add(DockerViews.service(b, null))));
        Map<String, long[]> counts = Map.of("aaaa", new long[] {1, 2, 0}, "bbbb", new long[] {3, 3, 4});
        JsonNode counted = Json.mapper().readTree(views.list(List.of(a, b), counts));
        assertThat(counted)
                .isEqualTo(reparsed(Json.mapper()
                        .createArrayNode()
                        .add(DockerViews.service(a, counts.get("aaaa")))
                        .add(DockerViews.service(b, counts.get("bbbb")))));
        // A changed service is rendered again, not served from the cache.
        Service b2 = b.updatedTo(b.spec().withReplicas(7));
        JsonNode changed = Json.mapper().readTree(views.list(List.of(b2), null));
        assertThat(changed.get(0)
                        .path("Spec")
                        .path("Mode")
                        .path("Replicated")
                        .path("Replicas")
                        .asLong())
                .isEqualTo(7);
        assertThat(Json.mapper().readTree(views.list(List.of(), null))).isEmpty();
    }

    /** Through text and back, so that number node types (int vs long) compare alike. */
    private static JsonNode reparsed(JsonNode n) throws Exception {
        return Json.mapper().readTree(Json.mapper().writeValueAsBytes(n));
    }
}
