package io.shoal.ingress.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A backend that streams {@code total} bytes (byte i = i mod 251) to the first connection and
 * closes; {@link #sent()} counts what the kernel accepted so far.
 */
public final class StreamingBackend implements AutoCloseable {
    private final ServerSocket server;
    private final long total;
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;

    public StreamingBackend(InetAddress address, int port, long total) throws IOException {
        this.total = total;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(address, port));
        thread = new Thread(this::serve, "streaming-backend");
        thread.setDaemon(true);
        thread.start();
    }

    public long sent() {
        return sent.get();
    }

    private void serve() {
        try (Socket s = server.accept()) {
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[251 * 256];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) (i % 251);
            }
            long left = total;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
                sent.addAndGet(n);
            }
            out.flush();
        } catch (IOException e) {
            // the proxy closed: the test reports what arrived
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
    }
}
