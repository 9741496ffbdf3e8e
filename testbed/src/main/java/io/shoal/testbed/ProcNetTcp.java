package io.shoal.testbed;

import java.util.Set;
import java.util.TreeSet;

/** Parses {@code /proc/net/tcp} and {@code /proc/net/tcp6} as seen from inside a namespace. */
final class ProcNetTcp {
    private static final String LISTEN = "0A";

    private ProcNetTcp() {}

    /** The local ports of all sockets in LISTEN state in the given table text (header lines allowed). */
    static Set<Integer> listeningPorts(String table) {
        Set<Integer> ports = new TreeSet<>();
        for (String line : table.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // "sl local_address rem_address st ...": data lines start with "<n>:".
            if (f.length < 4 || !f[0].endsWith(":") || !f[3].equals(LISTEN)) {
                continue;
            }
            int colon = f[1].lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("local_address: expected HEXADDR:HEXPORT, got '" + f[1] + "'");
            }
            ports.add(Integer.parseInt(f[1].substring(colon + 1), 16));
        }
        return ports;
    }
}
