package io.shoal.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client side of a manager's TLS listener (Docker's {@code --tlsverify}): the manager's
 * certificate must be signed by {@code caCert} and name the host dialled; this client shows {@code
 * cert} with {@code key}. PEM files; the key unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}).
 *
 * @param caCert the CA that signed the manager's certificate
 * @param cert this client's certificate
 * @param key this client's private key
 */
record ClientTls(Path caCert, Path cert, Path key) {
    SSLContext context() {
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certificates(x509, caCert, "--tlscacert")) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            Collection<? extends Certificate> chain = certificates(x509, cert, "--tlscert");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            keys.setKeyEntry("client", privateKey(), none, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new Shoal.UsageError("TLS: cannot use --tlscacert " + caCert + ", --tlscert " + cert + ", --tlskey "
                    + key + ": " + e.getMessage());
        }
    }

    private static Collection<? extends Certificate> certificates(CertificateFactory x509, Path p, String option)
            throws IOException {
        try {
            Collection<? extends Certificate> out =
                    x509.generateCertificates(new ByteArrayInputStream(read(p, option)));
            if (out.isEmpty()) {
                throw new Shoal.UsageError(option + ": no certificate in " + p);
            }
            return out;
        } catch (java.security.cert.CertificateException e) {
            throw new Shoal.UsageError(option + ": " + p + " is not a PEM certificate: " + e.getMessage());
        }
    }

    private PrivateKey privateKey() throws IOException {
        String pem = new String(read(key, "--tlskey"), StandardCharsets.US_ASCII);
        if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")) {
            throw new Shoal.UsageError("--tlskey: " + key + " is a PKCS#1/SEC1 key; convert it with"
                    + " 'openssl pkcs8 -topk8 -nocrypt -in " + key + "'");
        }
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new Shoal.UsageError("--tlskey: " + key + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new Shoal.UsageError("--tlskey: " + key + " is not an RSA, EC or Ed25519 key");
    }

    private static byte[] read(Path p, String option) throws IOException {
        if (!Files.isReadable(p)) {
            throw new Shoal.UsageError(option + ": cannot read " + p);
        }
        return Files.readAllBytes(p);
    }
}
