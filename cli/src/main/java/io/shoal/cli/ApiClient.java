package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A small HTTP/1.1 client for a manager's API, over its unix socket ({@code unix:///run/shoal/shoal.sock})
 * or TCP ({@code tcp://198.18.0.1:2377}). One request per connection: the CLI makes a handful.
 */
public final class ApiClient {
    /** Where a manager listens by default. */
    public static final String DEFAULT_HOST = "unix:///run/shoal/shoal.sock";

    private final String host;
    private final java.net.SocketAddress address;
    private final javax.net.ssl.SSLSocketFactory tls;

    /**
     * @param host {@code unix:///path} or {@code tcp://host:port}
     * @throws IllegalArgumentException when the host is neither
     */
    public ApiClient(String host) {
        this(host, null);
    }

    /**
     * @param host {@code unix:///path} or {@code tcp://host:port}
     * @param tls TLS with a client certificate (tcp only), or null
     * @throws IllegalArgumentException when the host is neither, or TLS is asked for a unix socket
     */
    ApiClient(String host, ClientTls tls) {
        this.host = host;
        if (tls != null && !host.startsWith("tcp://")) {
            throw new IllegalArgumentException("--tlscacert/--tlscert/--tlskey: TLS needs --host tcp://HOST:PORT");
        }
        this.tls = tls == null ? null : tls.context().getSocketFactory();
        if (host.startsWith("unix://")) {
            String path = host.substring("unix://".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("--host: '" + host + "' names no socket path");
            }
            this.address = UnixDomainSocketAddress.of(path);
        } else if (host.startsWith("tcp://")) {
            URI uri = URI.create(host);
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException("--host: '" + host + "' must be tcp://HOST:PORT");
            }
            this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
        } else {
            throw new IllegalArgumentException(
                    "--host: '" + host + "' must be unix:///path/to/socket or tcp://HOST:PORT");
        }
    }

    /** An answer with status 400 or more: the server's {@code message}. */
    public static final class ApiError extends RuntimeException {
        private final int status;

        ApiError(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** The manager cannot be reached. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public JsonNode get(String path) {
        return call("GET", path, Map.of(), null);
    }

    public JsonNode get(String path, Map<String, String> query) {
        return call("GET", path, query, null);
    }

    public JsonNode post(String path, Map<String, String> query, Object body) {
        return call("POST", path, query, body);
    }

    public JsonNode delete(String path) {
        return call("DELETE", path, Map.of(), null);
    }

    /** Sends one request; answers the JSON body (a null node when empty). */
    public JsonNode call(String method, String path, Map<String, String> query, Object body) {
        byte[] payload = body == null ? new byte[0] : json(body);
        StringJoiner qs = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((k, v) -> qs.add(enc(k) + "=" + enc(v)));
        StringBuilder head = new StringBuilder()
                .append(method)
                .append(' ')
                .append(path)
                .append(qs)
                .append(" HTTP/1.1\r\n")
                .append("Host: shoal\r\n")
                .append("User-Agent: shoal-cli/0.1.0\r\n")
                .append("Connection: close\r\n")
                .append("Content-Length: ")
                .append(payload.length)
                .append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
        }
        head.append("\r\n");
        byte[] raw;
        if (tls != null) {
            return parse(overTls(head.toString().getBytes(StandardCharsets.US_ASCII), payload));
        }
        try (SocketChannel ch = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open()) {
            ch.connect(address);
            ch.write(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.wrap(payload);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            InputStream in = Channels.newInputStream(ch);
            raw = in.readAllBytes();
        } catch (IOException e) {
            throw new Unreachable("cannot reach the Shoal manager at " + host + ": " + e.getMessage(), e);
        }
        return parse(raw);
    }

    /** One request over TLS: the manager's certificate must chain to the CA and name the host. */
    private byte[] overTls(byte[] head, byte[] payload) {
        InetSocketAddress to = (InetSocketAddress) address;
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.createSocket()) {
            s.connect(to, 10_000);
            javax.net.ssl.SSLParameters params = s.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(params);
            s.startHandshake();
            s.getOutputStream().write(head);
            s.getOutputStream().write(payload);
            s.getOutputStream().flush();
            return s.getInputStream().readAllBytes();
        } catch (javax.net.ssl.SSLException e) {
            throw new Unreachable("TLS with the Shoal manager at " + host + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new Unreachable("cannot reach the Shoal manager at " + host + ": " + e.getMessage(), e);
        }
    }

    private JsonNode parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || end < 0) {
            throw new Unreachable("the manager at " + host + " did not answer with HTTP", null);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        int length = -1;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i].toLowerCase(Locale.ROOT);
            if (l.startsWith("content-length:")) {
                length =
                        Integer.parseInt(l.substring("content-length:".length()).trim());
            } else if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
                chunked = true;
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(
                raw, end + 4, length >= 0 ? Math.min(raw.length, end + 4 + length) : raw.length);
        if (chunked) {
            body = dechunk(body);
        }
        JsonNode node = null;
        if (body.length > 0) {
            try {
                node = Json.mapper().readTree(body);
            } catch (IOException e) {
                if (status < 400) {
                    throw new Unreachable("the manager answered something that is not JSON: " + e.getMessage(), e);
                }
            }
        }
        if (status >= 400) {
            String message = node != null && node.has("message")
                    ? node.get("message").asText()
                    : new String(body, StandardCharsets.UTF_8).trim();
            throw new ApiError(status, message.isEmpty() ? "HTTP " + status : message);
        }
        return node == null ? Json.mapper().nullNode() : node;
    }

    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < body.length) {
            int eol = i;
            while (eol + 1 < body.length && !(body[eol] == '\r' && body[eol + 1] == '\n')) {
                eol++;
            }
            int size = Integer.parseInt(new String(body, i, eol - i, StandardCharsets.US_ASCII).trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(body, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static byte[] json(Object body) {
        try {
            return Json.mapper().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the request: " + e.getMessage(), e);
        }
    }

    /** Reads a JSON answer as a model record. */
    public static <T> T as(JsonNode node, Class<T> type) {
        try {
            return Json.mapper().treeToValue(node, type);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the manager's answer is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
