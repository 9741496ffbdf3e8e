package io.shoal.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.ingress.policy.Cidr;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.support.Client;
import io.shoal.ingress.support.Loopback;
import io.shoal.ingress.support.MeshFixture;
import io.shoal.ingress.support.ProxyProtocolBackend;
import io.shoal.ingress.support.TcpTestBackend;
import io.shoal.ingress.transport.Transport;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** PROXY protocol sent to backends and accepted from trusted balancers, per transport. */
class ProxyProtocolTest {

    @ParameterizedTest
    @EnumSource(Transport.class)
    void backendSeesTheRealClientAddressInV1AndV2Headers(Transport transport) throws Exception {
        for (ProxyProtocol version : new ProxyProtocol[] {ProxyProtocol.V1, ProxyProtocol.V2}) {
            try (MeshFixture f = new MeshFixture(transport)) {
                f.track(new ProxyProtocolBackend(f.net.backend(0), f.targetPort));
                f.policy(PortPolicy.DEFAULT.withSendProxyProtocol(version));
                f.publishTcp(1, List.of(f.net.backend(0)));
                InetAddress from = f.net.client(7);
                try (Client c = new Client(f.proxyAddress(), from)) {
                    int clientPort = c.socket().getLocalPort();
                    assertThat(c.line())
                            .isEqualTo(version + " " + from.getHostAddress() + ":" + clientPort + " -> "
                                    + f.net.proxy().getHostAddress() + ":" + f.publishedPort);
                    c.send("payload after the header\n");
                    assertThat(c.line()).isEqualTo("payload after the header");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void proxyHeaderIsAcceptedOnlyFromTrustedSourcesAndCarriedOn(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.track(new ProxyProtocolBackend(f.net.backend(0), f.targetPort));
            InetAddress balancer = f.net.client(50);
            InetAddress stranger = f.net.client(51);
            f.policy(PortPolicy.DEFAULT
                    .withSendProxyProtocol(ProxyProtocol.V2)
                    .withTrustedProxies(List.of(Cidr.parse(Loopback.cidr(balancer)))));
            f.publishTcp(1, List.of(f.net.backend(0)));
            String header = "PROXY TCP4 198.18.7.9 198.18.0.1 40123 443\r\n";

            try (Client bystander = new Client(f.proxyAddress(), stranger)) {
                assertThat(bystander.line()).startsWith("V2 " + stranger.getHostAddress() + ":");

                // A trusted balancer's header is decoded and the client it names goes on to the backend,
                // along with the bytes that followed the header.
                try (Client lb = new Client(f.proxyAddress(), balancer)) {
                    lb.send(header + "hello\n");
                    assertThat(lb.line())
                            .isEqualTo(
                                    "V2 198.18.7.9:40123 -> " + f.net.proxy().getHostAddress() + ":" + f.publishedPort);
                    assertThat(lb.line()).isEqualTo("hello");
                }
                // The same header from anyone else is a spoofing attempt: refused, and none of its bytes
                // reach the backend (which may already have greeted the connection with our own header).
                try (Client spoof = new Client(f.proxyAddress(), stranger)) {
                    spoof.send(header + "hello\n");
                    assertThat(spoof.linesUntilClosed()).noneMatch(l -> l.contains("198.18.7.9") || l.equals("hello"));
                }
                // A trusted balancer that sends no header is refused rather than mistaken for the client.
                try (Client bare = new Client(f.proxyAddress(), balancer)) {
                    bare.send("hello\n");
                    assertThat(bare.closedByPeer()).isTrue();
                }
                // A garbage PROXY header from the trusted source closes only that connection.
                try (Client bad = new Client(f.proxyAddress(), balancer)) {
                    bad.send("PROXY NONSENSE\r\n");
                    assertThat(bad.closedByPeer()).isTrue();
                }
                bystander.send("unharmed\n");
                assertThat(bystander.line()).isEqualTo("unharmed");
            }
            assertThat(f.mesh.portMetrics(f.tcpKey()).orElseThrow().rejectedConnections())
                    .isEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void untrustedClientWithoutHeaderIsProxiedAsUsual(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            List<TcpTestBackend> backends = f.backends(1);
            f.policy(PortPolicy.DEFAULT.withTrustedProxies(List.of(Cidr.parse("198.18.200.0/24"))));
            f.publishTcp(1, f.addresses(backends));
            try (Client c = new Client(f.proxyAddress(), null)) {
                assertThat(c.line()).isEqualTo("b0");
                c.send("hi\n"); // shorter than a v2 signature: must not wait for more bytes
                assertThat(c.line()).isEqualTo("hi");
            }
        }
    }
}
