package io.shoal.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shoal.ingress.metrics.PortMetrics;
import io.shoal.ingress.policy.PortPolicy;
import io.shoal.ingress.policy.ProxyProtocol;
import io.shoal.ingress.support.MeshFixture;
import io.shoal.ingress.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bulk streams through the relay, per transport: on io_uring a direction that shows bulk (a read of
 * {@code TcpFrontendHandler.SPLICE_AFTER} or more) is spliced in the kernel, and the port's
 * {@code shoal_ingress_spliced_bytes_total} proves it; epoll and NIO keep copying (the counter stays
 * 0). Bytes in = bytes out (count and CRC-32 or pattern) around the pipe size in both directions,
 * each side half-closing first, the backend closing or resetting mid-stream, the client resetting,
 * and a PROXY v2 header ahead of spliced bytes.
 */
class SpliceTest {
    private static final List<Integer> SIZES = List.of(65535, 65536, 65537, 1 << 20, 32 << 20);

    @ParameterizedTest
    @EnumSource(Transport.class)
    void bytesInEqualBytesOutAroundThePipeSizeBothWays(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            BulkBackend backend = f.track(new BulkBackend(f.net.backend(0), f.targetPort, false));
            f.publishTcp(1, List.of(f.net.backend(0)));
            PortMetrics m = f.mesh.portMetrics(f.tcpKey()).orElseThrow();
            long in = 0;
            long out = 0;
            for (int size : SIZES) {
                // Client → backend; the client half-closes first, the reply comes after its FIN.
                String reply = upload(f.proxyAddress(), size, 1000 + size);
                assertThat(reply).as("upload of %d bytes", size).isEqualTo(size + " " + crc(size, 1000 + size));
                in += "UP\n".length() + size;
                out += reply.length() + 1;
                // Backend → client; the backend half-closes first, the client's bytes after it arrive.
                long got = download(f.proxyAddress(), size);
                assertThat(got).as("download of %d bytes", size).isEqualTo(size);
                assertThat(backend.afterFin.poll(10, TimeUnit.SECONDS))
                        .as("what the backend read after its own FIN")
                        .isEqualTo("done " + size);
                in += ("DOWN " + size + "\n").length() + ("done " + size + "\n").length();
                out += size;
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> m.activeConnections() == 0);
            assertThat(m.inBytes()).as("client bytes delivered").isEqualTo(in);
            assertThat(m.outBytes()).as("backend bytes delivered").isEqualTo(out);
            assertThat(m.bufferedBytes()).isZero();
            assertSplicedOnlyOnIoUring(transport, m, 32L << 20);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void backendClosingMidStreamLosesNoByteOfItsTail(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.track(new BulkBackend(f.net.backend(0), f.targetPort, false));
            f.publishTcp(1, List.of(f.net.backend(0)));
            PortMetrics m = f.mesh.portMetrics(f.tcpKey()).orElseThrow();
            // Long enough that the backend is still sending (spliced) while the client waits.
            long size = (48 << 20) + 17;
            try (Socket s = connect(f.proxyAddress())) {
                s.getOutputStream().write(("CLOSE " + size + "\n").getBytes(StandardCharsets.US_ASCII));
                // Not reading yet: the backend finishes and closes while its tail is still on the way
                // (socket buffers, the proxy's pipe or chunk).
                Thread.sleep(500);
                assertThat(readPattern(s.getInputStream())).isEqualTo(size);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> m.activeConnections() == 0);
            assertThat(m.bufferedBytes()).isZero();
            assertSplicedOnlyOnIoUring(transport, m, 1L << 20);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void resetsMidStreamCloseBothSidesAndFreeEverything(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.track(new BulkBackend(f.net.backend(0), f.targetPort, false));
            f.publishTcp(1, List.of(f.net.backend(0)));
            PortMetrics m = f.mesh.portMetrics(f.tcpKey()).orElseThrow();
            // The backend resets after 8 MiB: the client gets an intact prefix, then the end.
            long size = 8 << 20;
            try (Socket s = connect(f.proxyAddress())) {
                s.getOutputStream().write(("RESET " + size + "\n").getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(300);
                long got = readPatternUntilEndOrReset(s.getInputStream());
                assertThat(got).isBetween(0L, size);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> m.activeConnections() == 0);
            // The client resets in the middle of an upload.
            try (Socket s = connect(f.proxyAddress())) {
                OutputStream o = s.getOutputStream();
                o.write("UP\n".getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[1 << 20];
                new Random(7).nextBytes(chunk);
                for (int i = 0; i < 8; i++) {
                    o.write(chunk);
                }
                s.setSoLinger(true, 0);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> m.activeConnections() == 0);
            assertThat(m.bufferedBytes()).isZero();
            // And the port still serves.
            assertThat(upload(f.proxyAddress(), 3 << 20, 5)).isEqualTo((3 << 20) + " " + crc(3 << 20, 5));
            assertSplicedOnlyOnIoUring(transport, m, 1L << 20);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void proxyHeaderGoesAheadOfSplicedBytes(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            BulkBackend backend = f.track(new BulkBackend(f.net.backend(0), f.targetPort, true));
            f.policy(PortPolicy.DEFAULT.withSendProxyProtocol(ProxyProtocol.V2));
            f.publishTcp(1, List.of(f.net.backend(0)));
            PortMetrics m = f.mesh.portMetrics(f.tcpKey()).orElseThrow();
            int size = 4 << 20;
            assertThat(upload(f.proxyAddress(), size, 9)).isEqualTo(size + " " + crc(size, 9));
            assertThat(download(f.proxyAddress(), size)).isEqualTo(size);
            assertThat(backend.headers).hasSize(2).allSatisfy(h -> assertThat(h)
                    .as("the client address in the PROXY v2 header (loopback)")
                    .startsWith("127."));
            assertSplicedOnlyOnIoUring(transport, m, 1L << 20);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void splicedConnectionsStillIdleOutAndDrain(Transport transport) throws Exception {
        try (MeshFixture f = new MeshFixture(transport)) {
            f.track(new BulkBackend(f.net.backend(0), f.targetPort, false));
            f.track(new BulkBackend(f.net.backend(1), f.targetPort, false));
            f.policy(PortPolicy.DEFAULT
                    .withIdleTimeout(Duration.ofMillis(600))
                    .withDrainTimeout(Duration.ofMillis(1500)));
            f.publishTcp(1, List.of(f.net.backend(0)));
            PortMetrics m = f.mesh.portMetrics(f.tcpKey()).orElseThrow();
            // 4 MiB up (spliced on io_uring), then silence without a FIN: the idle timeout closes it.
            try (Socket s = connect(f.proxyAddress())) {
                sendUpWithoutFin(s, 4 << 20);
                long start = System.nanoTime();
                assertThat(s.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> m.activeConnections() == 0);
            assertSplicedOnlyOnIoUring(transport, m, 1L << 20);
            // 4 MiB up, then the backend leaves the table: the connection keeps going (bytes within
            // the idle timeout) until the drain timeout closes it.
            f.policy(PortPolicy.DEFAULT.withDrainTimeout(Duration.ofMillis(1500)));
            try (Socket s = connect(f.proxyAddress())) {
                sendUpWithoutFin(s, 4 << 20);
                f.publishTcp(2, List.of(f.net.backend(1)));
                long start = System.nanoTime();
                s.getOutputStream().write(new byte[1 << 20]);
                assertThat(s.getInputStream().read())
                        .as("closed at the drain timeout")
                        .isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> m.activeConnections() == 0);
            assertThat(m.bufferedBytes()).isZero();
        }
    }

    private static void sendUpWithoutFin(Socket s, int size) throws IOException {
        OutputStream o = s.getOutputStream();
        o.write("UP\n".getBytes(StandardCharsets.US_ASCII));
        byte[] chunk = new byte[1 << 20];
        new Random(3).nextBytes(chunk);
        for (int left = size; left > 0; left -= chunk.length) {
            o.write(chunk, 0, Math.min(left, chunk.length));
        }
    }

    private static void assertSplicedOnlyOnIoUring(Transport transport, PortMetrics m, long atLeast) {
        if (transport == Transport.IO_URING) {
            assertThat(m.splicedBytes())
                    .as("bytes that went through a splice pipe on io_uring")
                    .isGreaterThanOrEqualTo(atLeast);
        } else {
            assertThat(m.splicedBytes()).as("no splice on " + transport).isZero();
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(20_000);
        s.connect(address, 5000);
        return s;
    }

    /** Sends "UP", {@code size} seeded random bytes and a FIN; returns the backend's reply line. */
    private static String upload(InetSocketAddress proxy, int size, long seed) throws IOException {
        try (Socket s = connect(proxy)) {
            OutputStream o = s.getOutputStream();
            o.write("UP\n".getBytes(StandardCharsets.US_ASCII));
            Random r = new Random(seed);
            byte[] chunk = new byte[100_003];
            for (int left = size; left > 0; ) {
                int n = Math.min(left, chunk.length);
                r.nextBytes(chunk);
                o.write(chunk, 0, n);
                left -= n;
            }
            s.shutdownOutput();
            InputStream i = s.getInputStream();
            String line = line(i);
            assertThat(i.read()).as("end of stream after the reply").isEqualTo(-1);
            return line;
        }
    }

    private static long crc(int size, long seed) {
        CRC32 crc = new CRC32();
        Random r = new Random(seed);
        byte[] chunk = new byte[100_003];
        for (int left = size; left > 0; ) {
            int n = Math.min(left, chunk.length);
            r.nextBytes(chunk);
            crc.update(chunk, 0, n);
            left -= n;
        }
        return crc.getValue();
    }

    /** Asks for {@code size} pattern bytes, reads them to the backend's FIN, then answers "done". */
    private static long download(InetSocketAddress proxy, int size) throws IOException {
        try (Socket s = connect(proxy)) {
            OutputStream o = s.getOutputStream();
            o.write(("DOWN " + size + "\n").getBytes(StandardCharsets.US_ASCII));
            long got = readPattern(s.getInputStream());
            o.write(("done " + got + "\n").getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            return got;
        }
    }

    /** Reads to the end of the stream, checking byte i = i mod 251; returns the count. */
    private static long readPattern(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long received = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            check(buf, n, received);
            received += n;
        }
        return received;
    }

    private static long readPatternUntilEndOrReset(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long received = 0;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                check(buf, n, received);
                received += n;
            }
        } catch (SocketException e) {
            // reset: what came before it was checked
        }
        return received;
    }

    private static void check(byte[] buf, int n, long offset) {
        for (int i = 0; i < n; i++) {
            if (buf[i] != (byte) ((offset + i) % 251)) {
                throw new AssertionError("byte " + (offset + i) + " corrupted");
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /**
     * A backend speaking a line protocol: {@code UP} (read to the FIN, reply "count crc32", close),
     * {@code DOWN n} (send n pattern bytes, half-close, then read a line into {@link #afterFin}),
     * {@code CLOSE n} (send n pattern bytes and close), {@code RESET n} (send n and reset). With
     * {@code proxyV2} every connection must start with a PROXY v2 header; its source address is
     * recorded in {@link #headers}.
     */
    private static final class BulkBackend implements AutoCloseable {
        private static final byte[] V2_SIGNATURE = {
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
        };
        final BlockingQueue<String> afterFin = new LinkedBlockingQueue<>();
        final List<String> headers = new CopyOnWriteArrayList<>();
        private final ServerSocket server;
        private final boolean proxyV2;
        private final Thread acceptor;

        BulkBackend(InetAddress address, int port, boolean proxyV2) throws IOException {
            this.proxyV2 = proxyV2;
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, port));
            acceptor = new Thread(this::accept, "bulk-backend");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s), "bulk-backend-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                if (proxyV2) {
                    byte[] head = in.readNBytes(16);
                    if (!Arrays.equals(Arrays.copyOf(head, 12), V2_SIGNATURE)) {
                        throw new IOException("no PROXY v2 signature: " + Arrays.toString(head));
                    }
                    int len = ((head[14] & 0xff) << 8) | (head[15] & 0xff);
                    byte[] addresses = in.readNBytes(len);
                    headers.add(InetAddress.getByAddress(Arrays.copyOf(addresses, 4))
                            .getHostAddress());
                }
                String[] cmd = line(in).split(" ");
                switch (cmd[0]) {
                    case "UP" -> {
                        CRC32 crc = new CRC32();
                        byte[] buf = new byte[64 * 1024];
                        long count = 0;
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            crc.update(buf, 0, n);
                            count += n;
                        }
                        out.write((count + " " + crc.getValue() + "\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    case "DOWN" -> {
                        sendPattern(out, Long.parseLong(cmd[1]));
                        s.shutdownOutput();
                        afterFin.add(line(in));
                    }
                    case "CLOSE" -> sendPattern(out, Long.parseLong(cmd[1]));
                    case "RESET" -> {
                        sendPattern(out, Long.parseLong(cmd[1]));
                        s.setSoLinger(true, 0);
                    }
                    default -> throw new IOException("unknown command " + cmd[0]);
                }
            } catch (IOException e) {
                // the peer went away; the test asserts what it saw
            }
        }

        private static void sendPattern(OutputStream out, long total) throws IOException {
            byte[] chunk = new byte[251 * 256];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) (i % 251);
            }
            for (long left = total; left > 0; ) {
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
            out.flush();
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join(5000);
        }
    }
}
