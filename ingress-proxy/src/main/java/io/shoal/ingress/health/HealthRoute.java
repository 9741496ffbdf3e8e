package io.shoal.ingress.health;

import io.shoal.model.Protocol;
import java.util.Locale;

/**
 * A parsed health path: the node, one published port (optionally with its protocol), an unknown
 * path, or a malformed port path (with the reason).
 *
 * @param kind what the path asks for
 * @param port the port number for {@link Kind#PORT}
 * @param protocol the protocol, or null for every protocol on that port
 * @param error why a {@link Kind#BAD} path is malformed
 */
record HealthRoute(Kind kind, int port, Protocol protocol, String error) {
    enum Kind {
        NODE,
        PORT,
        NOT_FOUND,
        BAD
    }

    private static final String PORTS = "/healthz/ports/";

    /** Parses a request path (query already removed); a trailing slash is tolerated. */
    static HealthRoute parse(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/healthz")) {
            return new HealthRoute(Kind.NODE, 0, null, "");
        }
        if (!p.startsWith(PORTS)) {
            return new HealthRoute(Kind.NOT_FOUND, 0, null, "");
        }
        String[] parts = p.substring(PORTS.length()).split("/", -1);
        if (parts.length > 2) {
            return new HealthRoute(Kind.NOT_FOUND, 0, null, "");
        }
        int port;
        try {
            port = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            return bad("port: '" + parts[0] + "' is not a number in 1..65535");
        }
        if (parts.length == 1) {
            return new HealthRoute(Kind.PORT, port, null, "");
        }
        return switch (parts[1].toLowerCase(Locale.ROOT)) {
            case "tcp" -> new HealthRoute(Kind.PORT, port, Protocol.TCP, "");
            case "udp" -> new HealthRoute(Kind.PORT, port, Protocol.UDP, "");
            default -> bad("protocol: '" + parts[1] + "' is not one of tcp, udp");
        };
    }

    private static HealthRoute bad(String error) {
        return new HealthRoute(Kind.BAD, 0, null, error);
    }
}
