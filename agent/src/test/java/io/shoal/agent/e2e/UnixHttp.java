package io.shoal.agent.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * One HTTP/1.1 exchange per connection over a unix domain socket, which {@code java.net.http} cannot
 * do. Enough for a JSON API: a body with {@code Content-Length}, an answer with {@code
 * Content-Length}, chunked encoding or read to the end.
 */
final class UnixHttp {
    /** An answer: status code and body text. */
    record Answer(int status, String body) {}

    private final Path socket;
    private final Duration timeout;

    UnixHttp(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    /**
     * Sends {@code method path} with an optional JSON body and reads the answer.
     *
     * @throws UncheckedIOException naming the request when the socket fails or the answer does not
     *     come within the timeout
     */
    Answer exchange(String method, String path, byte[] body) {
        String what = method + " " + path + " on " + socket;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] payload = body == null ? new byte[0] : body;
            String head = method + " " + path + " HTTP/1.1\r\nHost: shoal\r\nConnection: close\r\n"
                    + (payload.length > 0 ? "Content-Type: application/json\r\n" : "")
                    + "Content-Length: " + payload.length + "\r\n\r\n";
            ByteBuffer out = ByteBuffer.allocate(head.length() + payload.length);
            out.put(head.getBytes(StandardCharsets.US_ASCII)).put(payload).flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            // Non-blocking reads with a deadline: a wedged manager must not hang the test.
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Answer done = parse(in.toByteArray(), false);
                if (done != null) {
                    return done;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("no complete answer within " + timeout);
                }
                selector.select(left);
                selector.selectedKeys().clear();
                int n = ch.read(buf);
                if (n < 0) {
                    Answer atEof = parse(in.toByteArray(), true);
                    if (atEof == null) {
                        throw new IOException("connection closed before a complete answer");
                    }
                    return atEof;
                }
                in.write(buf.array(), 0, buf.position());
                buf.clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": " + e.getMessage(), e);
        }
    }

    /** The answer if {@code raw} holds a complete one; null while more bytes are needed. */
    static Answer parse(byte[] raw, boolean eof) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return null;
        }
        String[] lines = text.substring(0, end).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: '" + lines[0] + "'");
        }
        int status = Integer.parseInt(statusLine[1]);
        long length = -1;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].toLowerCase(Locale.ROOT);
            if (line.startsWith("content-length:")) {
                length = Long.parseLong(
                        line.substring("content-length:".length()).trim());
            } else if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
                chunked = true;
            }
        }
        int bodyStart = end + 4;
        if (chunked) {
            return dechunk(raw, bodyStart, status);
        }
        if (length >= 0) {
            if (raw.length - bodyStart < length) {
                return null;
            }
            return new Answer(status, new String(raw, bodyStart, (int) length, StandardCharsets.UTF_8));
        }
        return eof
                ? new Answer(status, new String(raw, bodyStart, raw.length - bodyStart, StandardCharsets.UTF_8))
                : null;
    }

    private static Answer dechunk(byte[] raw, int from, int status) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = from;
        while (true) {
            int lineEnd = indexOf(raw, at);
            if (lineEnd < 0) {
                return null;
            }
            String sizeText = new String(raw, at, lineEnd - at, StandardCharsets.US_ASCII);
            int semicolon = sizeText.indexOf(';');
            int size = Integer.parseInt((semicolon >= 0 ? sizeText.substring(0, semicolon) : sizeText).trim(), 16);
            at = lineEnd + 2;
            if (size == 0) {
                return new Answer(status, body.toString(StandardCharsets.UTF_8));
            }
            if (raw.length < at + size + 2) {
                return null;
            }
            body.write(raw, at, size);
            at += size + 2;
        }
    }

    private static int indexOf(byte[] raw, int from) {
        for (int i = from; i + 1 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
