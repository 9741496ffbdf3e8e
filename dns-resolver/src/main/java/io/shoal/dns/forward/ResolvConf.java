package io.shoal.dns.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the host's upstream resolvers from a {@code resolv.conf}. Loopback nameservers are
 * skipped: inside a container's namespace 127.0.0.53 (systemd-resolved) or 127.0.0.11 would be
 * the container's own loopback, not the host's resolver.
 */
public final class ResolvConf {
    private ResolvConf() {}

    /** The non-loopback {@code nameserver} lines of {@code file}, port 53, in file order. */
    public static List<InetSocketAddress> nameservers(Path file) throws IOException {
        return parse(Files.readAllLines(file));
    }

    /** The same, from lines already read. Malformed addresses are an error naming the line. */
    public static List<InetSocketAddress> parse(List<String> lines) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.startsWith("nameserver")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length < 2 || !parts[0].equals("nameserver")) {
                continue;
            }
            String text = parts[1];
            int zone = text.indexOf('%');
            String literal = zone >= 0 ? text.substring(0, zone) : text;
            if (!literal.matches("[0-9a-fA-F.:]+")) {
                throw new IllegalArgumentException(
                        "resolv.conf line " + (i + 1) + ": nameserver '" + text + "' is not an IP address");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(literal); // a literal: no lookup happens
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "resolv.conf line " + (i + 1) + ": nameserver '" + text + "' is not an IP address", e);
            }
            if (!address.isLoopbackAddress()) {
                servers.add(new InetSocketAddress(address, 53));
            }
        }
        return servers;
    }
}
