package io.shoal.ingress.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/** A blocking line-oriented TCP client with a read timeout, so no test can hang. */
public final class Client implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader reader;

    public Client(SocketAddress proxy, InetAddress from) {
        try {
            socket = new Socket();
            socket.setSoTimeout(5000);
            if (from != null) {
                socket.bind(new InetSocketAddress(from, 0));
            }
            socket.connect(proxy, 5000);
            reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Socket socket() {
        return socket;
    }

    /** The next line, or null at end of stream. */
    public String line() throws IOException {
        return reader.readLine();
    }

    public void send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    public void sendBytes(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Whether the peer closed: end of stream or a reset on the next read. */
    public boolean closedByPeer() {
        try {
            return reader.readLine() == null;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Lines until the peer closes (end of stream or reset); a read timeout fails, so a connection
     * that stays open is an error here.
     */
    public java.util.List<String> linesUntilClosed() throws IOException {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String line;
            try {
                line = reader.readLine();
            } catch (java.net.SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                return out;
            }
            if (line == null) {
                return out;
            }
            out.add(line);
        }
        throw new IOException("more than 1000 lines before close");
    }

    /** Connects, reads the backend's name line, and closes. */
    public static String nameVia(SocketAddress proxy, InetAddress from) {
        try (Client c = new Client(proxy, from)) {
            return c.line();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing more to do
        }
    }
}
