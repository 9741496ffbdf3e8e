package io.shoal.controlplane.startup;

import io.shoal.controlplane.api.ApiTls;
import io.shoal.model.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The manager's command line.
 *
 * <pre>
 * --state-dir DIR          state (embedded ZooKeeper data, join tokens); default /var/lib/shoal
 * --zookeeper HOSTS        connect to this ensemble (host:port,...) instead of an embedded server
 * --zookeeper-listen H:P   where the embedded server listens; default 127.0.0.1:2181
 * --id ID                  this manager's id; default the host name
 * --socket PATH            the API's unix socket; default /run/shoal/shoal.sock; "none" for none
 * --listen HOST:PORT       also serve the API on TCP (loopback unless you mean it)
 * --pool CIDR              a default address pool (repeatable); default 10.0.0.0/8
 * --grace SECONDS          how long a vanished node may take to come back; default 30
 * --task-history-limit N   tasks kept per slot, live and ended (Swarm's TaskHistoryRetentionLimit);
 *                          default 5; set when the cluster is made (later managers adopt the stored one)
 * --tlscacert FILE         with --tlscert and --tlskey: TLS on --listen, client certificates signed
 * --tlscert FILE             by this CA required (Docker's --tlsverify); PEM files, PKCS#8 key
 * --tlskey FILE
 * </pre>
 *
 * @param stateDir state directory
 * @param zookeeper the ensemble's connect string, or null for the embedded server
 * @param zookeeperListen where the embedded server listens
 * @param id this manager's id
 * @param socket the unix socket path, or null for none
 * @param listen the TCP address, or null for none
 * @param pools default address pools (empty: the cluster's default)
 * @param grace the membership grace period
 * @param taskHistoryLimit the task history retention limit for a new cluster, or 0 when not given
 *     (the cluster default, 5)
 * @param tls TLS for the TCP listener, or null
 */
public record ManagerOptions(
        Path stateDir,
        String zookeeper,
        InetSocketAddress zookeeperListen,
        String id,
        Path socket,
        InetSocketAddress listen,
        List<Cidr> pools,
        Duration grace,
        int taskHistoryLimit,
        ApiTls tls) {

    /**
     * Parses arguments.
     *
     * @throws IllegalArgumentException naming the option and what it expected
     */
    public static ManagerOptions parse(String... args) {
        Path stateDir = Path.of("/var/lib/shoal");
        String zookeeper = null;
        InetSocketAddress zkListen = hostPort("--zookeeper-listen", "127.0.0.1:2181");
        String id = defaultId();
        Path socket = Path.of("/run/shoal/shoal.sock");
        InetSocketAddress listen = null;
        List<Cidr> pools = new ArrayList<>();
        Duration grace = Duration.ofSeconds(30);
        int taskHistoryLimit = 0;
        Path tlsCa = null;
        Path tlsCert = null;
        Path tlsKey = null;
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            if (!List.of(
                            "--state-dir",
                            "--zookeeper",
                            "--zookeeper-listen",
                            "--id",
                            "--socket",
                            "--listen",
                            "--pool",
                            "--grace",
                            "--task-history-limit",
                            "--tlscacert",
                            "--tlscert",
                            "--tlskey")
                    .contains(opt)) {
                throw new IllegalArgumentException("unknown option '" + opt + "' (see --state-dir, --zookeeper, "
                        + "--zookeeper-listen, --id, --socket, --listen, --pool, --grace, --task-history-limit, --tlscacert,"
                        + " --tlscert, --tlskey)");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(opt + ": a value is required");
            }
            String v = args[++i];
            switch (opt) {
                case "--state-dir" -> stateDir = Path.of(v);
                case "--zookeeper" -> {
                    if (!v.matches("[^,:\\s]+:\\d+(,[^,:\\s]+:\\d+)*")) {
                        throw new IllegalArgumentException(
                                "--zookeeper: expected host:port[,host:port...], got '" + v + "'");
                    }
                    zookeeper = v;
                }
                case "--zookeeper-listen" -> zkListen = hostPort(opt, v);
                case "--id" -> id = v;
                case "--socket" -> socket = v.equals("none") ? null : Path.of(v);
                case "--listen" -> listen = hostPort(opt, v);
                case "--pool" -> {
                    Cidr pool = Cidr.parse("--pool", v);
                    if (!pool.isNetwork()) {
                        throw new IllegalArgumentException(
                                "--pool: '" + v + "' has host bits set (did you mean " + pool.network() + "?)");
                    }
                    pools.add(pool);
                }
                case "--grace" -> {
                    try {
                        grace = Duration.ofSeconds(Long.parseLong(v));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--grace: expected a number of seconds, got '" + v + "'");
                    }
                }
                case "--task-history-limit" -> {
                    try {
                        taskHistoryLimit = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        taskHistoryLimit = -1;
                    }
                    if (taskHistoryLimit < 1) {
                        throw new IllegalArgumentException("--task-history-limit: expected a number of tasks of at"
                                + " least 1 (each slot keeps its newest task), got '" + v + "'");
                    }
                }
                case "--tlscacert" -> tlsCa = Path.of(v);
                case "--tlscert" -> tlsCert = Path.of(v);
                case "--tlskey" -> tlsKey = Path.of(v);
                default -> throw new IllegalStateException(opt);
            }
        }
        if (socket == null && listen == null) {
            throw new IllegalArgumentException("--socket none: give --listen too, or the API is unreachable");
        }
        ApiTls tls = null;
        if (tlsCa != null || tlsCert != null || tlsKey != null) {
            if (tlsCa == null || tlsCert == null || tlsKey == null) {
                throw new IllegalArgumentException(
                        "--tlscacert, --tlscert and --tlskey go together (TLS on --listen always verifies client"
                                + " certificates)");
            }
            if (listen == null) {
                throw new IllegalArgumentException("--tlscert: TLS is for the TCP API; give --listen HOST:PORT too");
            }
            tls = new ApiTls(tlsCa, tlsCert, tlsKey);
        }
        return new ManagerOptions(
                stateDir, zookeeper, zkListen, id, socket, listen, List.copyOf(pools), grace, taskHistoryLimit, tls);
    }

    private static InetSocketAddress hostPort(String opt, String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(opt + ": expected host:port, got '" + v + "'");
        }
        try {
            int port = Integer.parseInt(v.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(InetAddress.getByName(v.substring(0, colon)), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + ": port in '" + v + "' must be 0..65535");
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(opt + ": unknown host in '" + v + "'");
        }
    }

    private static String defaultId() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            return host.replaceAll("[^a-zA-Z0-9_.-]", "-");
        } catch (UnknownHostException e) {
            return "manager";
        }
    }
}
