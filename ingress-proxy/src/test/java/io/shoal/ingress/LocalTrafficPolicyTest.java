package io.shoal.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.ingress.health.HealthServer;
import io.shoal.ingress.mesh.PortState;
import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.support.Client;
import io.shoal.ingress.support.Loopback;
import io.shoal.ingress.support.RawHttp;
import io.shoal.ingress.support.Tables;
import io.shoal.ingress.support.TcpTestBackend;
import io.shoal.ingress.transport.Transport;
import io.shoal.model.TrafficPolicy;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import io.shoal.testbed.Requirements;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The local traffic policy: two nodes' meshes on loopback ({@code n1} with one task, {@code n3}
 * with none) serve one table whose service has a task on {@code n1} and two on {@code n2}.
 */
class LocalTrafficPolicyTest {

    private static RoutingMesh mesh(Transport t, String node, InetAddress bind) {
        return RoutingMesh.builder()
                .nodeId(node)
                .ingressNetworkId(Tables.INGRESS)
                .bindAddress(bind)
                .transport(t)
                .threads(1)
                .build()
                .start();
    }

    @Test
    void transparentConnectsNeedATransportThatCanSetIpTransparent() {
        assertThatThrownBy(() -> RoutingMesh.builder()
                        .nodeId("n1")
                        .ingressNetworkId(Tables.INGRESS)
                        .transport(Transport.NIO)
                        .transparentLocal(true)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("transparentLocal: the NIO transport cannot set IP_TRANSPARENT; use epoll or io_uring");
        assertThat(Transport.NIO.transparentOption()).isNull();
        assertThat(Transport.EPOLL.transparentOption()).isNotNull();
        assertThat(Transport.IO_URING.transparentOption()).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void localPortForwardsOnlyToThisNodesTaskAndIsUnhealthyWhereThereIsNone(Transport transport) throws Exception {
        Requirements.require(
                transport.isAvailable(), "the " + transport + " transport (" + transport.unavailabilityCause() + ")");
        Loopback net = new Loopback();
        InetAddress n1Address = net.proxy();
        InetAddress n3Address = net.host(2);
        int local = Loopback.freePort(n1Address);
        int cluster = Loopback.freePort(n1Address);
        int target = Loopback.freePort(net.backend(0));
        List<AutoCloseable> closeables = new ArrayList<>();
        try (RoutingMesh n1 = mesh(transport, "n1", n1Address);
                RoutingMesh n3 = mesh(transport, "n3", n3Address)) {
            for (int i = 0; i < 3; i++) {
                closeables.add(new TcpTestBackend("b" + i, net.backend(i), target));
            }
            HealthServer h1 = HealthServer.builder(n1)
                    .bindAddress(new InetSocketAddress(n1Address, 0))
                    .build()
                    .start();
            HealthServer h3 = HealthServer.builder(n3)
                    .bindAddress(new InetSocketAddress(n3Address, 0))
                    .build()
                    .start();
            closeables.add(h1);
            closeables.add(h3);
            List<TaskEndpoint> tasks = List.of(
                    Tables.task("t0", "n1", net.backend(0), true),
                    Tables.task("t1", "n2", net.backend(1), true),
                    Tables.task("t2", "n2", net.backend(2), true));
            ServiceTable table = Tables.table(
                    1,
                    Tables.service(
                            "web",
                            List.of(
                                    Tables.tcp(local, target).withTrafficPolicy(TrafficPolicy.LOCAL),
                                    Tables.tcp(cluster, target)),
                            tasks));
            n1.update(table);
            n3.update(table);

            // Node n1: the local port reaches its own task only; the cluster port reaches all three.
            Set<String> viaLocal = new HashSet<>();
            Set<String> viaCluster = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                viaLocal.add(Client.nameVia(new InetSocketAddress(n1Address, local), null));
                viaCluster.add(Client.nameVia(new InetSocketAddress(n1Address, cluster), null));
            }
            assertThat(viaLocal).containsExactly("b0");
            assertThat(viaCluster).containsExactlyInAnyOrder("b0", "b1", "b2");
            assertThat(RawHttp.request(h1.localAddress(), "GET", "/healthz/ports/" + local)
                            .status())
                    .isEqualTo(200);

            // Node n3 runs no task: the local port still listens (it stays reserved) but has no
            // backend, so a connection is closed at once and the health check says why.
            PortState state = n3.portState(PortKey.tcp(local)).orElseThrow();
            assertThat(state.listening()).isTrue();
            assertThat(state.backends()).isZero();
            assertThat(state.trafficPolicy()).isEqualTo(TrafficPolicy.LOCAL);
            try (Client c = new Client(new InetSocketAddress(n3Address, local), null)) {
                assertThat(c.closedByPeer()).isTrue();
            }
            RawHttp.Answer none = RawHttp.request(h3.localAddress(), "GET", "/healthz/ports/" + local + "/tcp");
            assertThat(none.status()).isEqualTo(503);
            assertThat(none.body()).isEqualTo("no ready task on this node\n");
            assertThat(RawHttp.request(h3.localAddress(), "GET", "/healthz/ports/" + cluster)
                            .status())
                    .as("the cluster port on n3 forwards to other nodes")
                    .isEqualTo(200);
            assertThat(Client.nameVia(new InetSocketAddress(n3Address, cluster), null))
                    .isIn("b0", "b1", "b2");

            // n1's task stops being ready: n1 now has none either.
            List<TaskEndpoint> notReady = List.of(
                    Tables.task("t0", "n1", net.backend(0), false),
                    Tables.task("t1", "n2", net.backend(1), true),
                    Tables.task("t2", "n2", net.backend(2), true));
            n1.update(Tables.table(
                    2,
                    Tables.service(
                            "web",
                            List.of(
                                    Tables.tcp(local, target).withTrafficPolicy(TrafficPolicy.LOCAL),
                                    Tables.tcp(cluster, target)),
                            notReady)));
            assertThat(RawHttp.request(h1.localAddress(), "GET", "/healthz/ports/" + local)
                            .body())
                    .isEqualTo("no ready task on this node\n");
            try (Client c = new Client(new InetSocketAddress(n1Address, local), null)) {
                assertThat(c.closedByPeer())
                        .as("never forwarded to another node's task")
                        .isTrue();
            }
        } finally {
            for (AutoCloseable c : closeables) {
                c.close();
            }
        }
    }
}
