package io.shoal.controlplane.api;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * TLS for the API's TCP listener, Docker's {@code --tlsverify} model: the manager shows its
 * certificate and requires a client certificate signed by the given CA. A client without one (or
 * with one from another CA) fails the handshake and never reaches the API.
 *
 * @param caCert the CA that signs client certificates (PEM)
 * @param cert the server's certificate chain (PEM)
 * @param key the server's private key (PEM, PKCS#8 unencrypted, as {@code openssl genrsa} of
 *     OpenSSL 3 writes it)
 */
public record ApiTls(Path caCert, Path cert, Path key) {
    public ApiTls {
        if (caCert == null || cert == null || key == null) {
            throw new IllegalArgumentException(
                    "tls: the CA certificate, the server certificate and its key are all required");
        }
        check("tlscacert", caCert);
        check("tlscert", cert);
        check("tlskey", key);
    }

    private static void check(String what, Path p) {
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException("--" + what + ": cannot read " + p);
        }
    }

    /** The server-side context; throws naming the file that could not be used. */
    SslContext serverContext() {
        try {
            return SslContextBuilder.forServer(cert.toFile(), key.toFile())
                    .sslProvider(SslProvider.JDK)
                    .trustManager(caCert.toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "tls: cannot use --tlscert " + cert + " / --tlskey " + key + " / --tlscacert " + caCert
                            + " (PEM certificates and an unencrypted PKCS#8 PEM key expected; convert an"
                            + " 'RSA PRIVATE KEY' with 'openssl pkcs8 -topk8 -nocrypt'): " + e.getMessage(),
                    e);
        }
    }
}
