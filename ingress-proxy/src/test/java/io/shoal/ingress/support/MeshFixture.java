package io.shoal.ingress.support;

import io.shoal.ingress.mesh.PortPolicies;
import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.mesh.UpdateResult;
import io.shoal.ingress.policy.PortKey;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.transport.Transport;
import io.shoal.model.table.ServiceTable;
import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One test's world on loopback: a started mesh bound at {@code .1} of a random block, and TCP
 * backends that share one target port on {@code .11}, {@code .12}, … Everything closes with it.
 */
public final class MeshFixture implements AutoCloseable {
    public final Loopback net = new Loopback();
    public final RoutingMesh mesh;
    public final int publishedPort;
    public final int targetPort;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public MeshFixture(Transport transport) {
        Requirements.require(
                transport.isAvailable(), "the " + transport + " transport (" + transport.unavailabilityCause() + ")");
        mesh = RoutingMesh.builder()
                .nodeId("n1")
                .ingressNetworkId(Tables.INGRESS)
                .bindAddress(net.proxy())
                .transport(transport)
                .threads(2)
                .build()
                .start();
        publishedPort = Loopback.freePort(net.proxy());
        targetPort = Loopback.freePort(net.backend(0));
    }

    /** Starts {@code n} echo backends named b0.. on .11.. at the shared target port. */
    public List<TcpTestBackend> backends(int n) throws IOException {
        List<TcpTestBackend> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(track(new TcpTestBackend("b" + i, net.backend(i), targetPort)));
        }
        return out;
    }

    public <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    public List<InetAddress> addresses(List<? extends Object> backends) {
        List<InetAddress> out = new ArrayList<>();
        for (int i = 0; i < backends.size(); i++) {
            out.add(net.backend(i));
        }
        return out;
    }

    /** Publishes one TCP service on the fixture's port with ready tasks at {@code addresses}. */
    public UpdateResult publishTcp(long version, List<InetAddress> addresses) {
        ServiceTable table = Tables.table(
                version,
                Tables.service(
                        "web", List.of(Tables.tcp(publishedPort, targetPort)), Tables.readyTasks("t", addresses)));
        return mesh.update(table);
    }

    public void policy(PortPolicy policy) {
        mesh.policies(PortPolicies.standard().with(tcpKey(), policy));
    }

    public PortKey tcpKey() {
        return PortKey.tcp(publishedPort);
    }

    public InetSocketAddress proxyAddress() {
        return new InetSocketAddress(net.proxy(), publishedPort);
    }

    @Override
    public void close() throws Exception {
        mesh.close();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }
}
