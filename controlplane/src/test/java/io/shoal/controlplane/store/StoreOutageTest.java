package io.shoal.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.ZkSupport;
import io.shoal.model.Meta;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

class StoreOutageTest {
    @Test
    void viewKeepsServingWhileZooKeeperIsDownAndCatchesUpAfter() throws Exception {
        try (TestingServer server = ZkSupport.server();
                CuratorFramework client = ZkSupport.client(server.getConnectString());
                CuratorFramework writer = ZkSupport.client(server.getConnectString());
                Store store = new Store(client, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(5));
                Store other = new Store(writer, Layout.DEFAULT, Clock.systemUTC(), Duration.ofSeconds(5))) {
            store.start();
            other.start();
            Service svc = Service.created(Meta.created("svc1", Instant.EPOCH), ServiceSpec.replicated("web", "img", 1));
            store.create(Kind.SERVICES, svc);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.get(Kind.SERVICES, "svc1").isPresent());

            server.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> !store.connected());
            assertThat(store.get(Kind.SERVICES, "svc1")).contains(svc);

            server.restart();
            await().atMost(Duration.ofSeconds(10)).until(store::connected);
            other.create(
                    Kind.SERVICES,
                    Service.created(Meta.created("svc2", Instant.EPOCH), ServiceSpec.replicated("api", "img", 1)));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.get(Kind.SERVICES, "svc2").isPresent());
            assertThat(store.get(Kind.SERVICES, "svc1")).contains(svc);
        }
    }
}
