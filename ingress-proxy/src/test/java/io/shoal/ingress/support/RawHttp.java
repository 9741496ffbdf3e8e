package io.shoal.ingress.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.x over a plain socket, so a test controls every byte it sends and sees every byte it gets
 * (the status line, the headers, whether the server closed). Reads are bounded by a timeout.
 */
public final class RawHttp implements AutoCloseable {
    /** A parsed answer. {@code headers} are keyed in lower case. */
    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;

    public RawHttp(InetSocketAddress server) {
        try {
            socket = new Socket();
            socket.setSoTimeout(5000);
            socket.connect(server, 5000);
            in = socket.getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One request on a fresh connection ({@code Connection: close}); the answer. */
    public static Answer request(InetSocketAddress server, String method, String path) {
        try (RawHttp h = new RawHttp(server)) {
            h.send(method + " " + path + " HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
            return h.answer(!method.equals("HEAD"));
        }
    }

    public void send(String raw) {
        sendBytes(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void sendBytes(byte[] raw) {
        try {
            socket.getOutputStream().write(raw);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one answer; its body (Content-Length bytes) only when {@code withBody}. */
    public Answer answer(boolean withBody) {
        try {
            String statusLine = line();
            if (statusLine == null) {
                throw new IOException("connection closed before an answer");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l = line(); l != null && !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                headers.put(
                        l.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        l.substring(colon + 1).trim());
            }
            String body = "";
            if (withBody) {
                int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            }
            return new Answer(status, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the server closed the connection (end of stream or reset) within the timeout. */
    public boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
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
