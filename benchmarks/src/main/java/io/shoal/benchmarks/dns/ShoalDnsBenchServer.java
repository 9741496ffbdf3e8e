package io.shoal.benchmarks.dns;

import io.shoal.dns.netns.NetNsSocketNamespace;
import io.shoal.dns.resolve.DnsScope;
import io.shoal.dns.server.DnsBinding;
import io.shoal.dns.server.DnsServer;
import io.shoal.dns.server.DnsServerConfig;
import io.shoal.dns.server.UdpIo;
import io.shoal.dns.transport.SocketNamespace;
import io.shoal.dns.transport.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Serves the benchmark table ({@link BenchTable}) from Shoal's {@link DnsServer}, bound inside a
 * network namespace, for {@code benchmarks/dns/run.sh}; or, with {@code --echo}, a trivial UDP
 * echo server (QR bit set, nothing else changed) that gives the client's own ceiling. Runs until
 * killed.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.shoal.benchmarks.dns.ShoalDnsBenchServer \
 *     --netns /run/netns/NAME --address 198.18.254.1 --port 53 [--services 1000] [--threads 1]
 *     [--transport IO_URING|EPOLL|NIO] [--udp SELECTOR|TRANSPORT] [--echo]
 * </pre>
 */
public final class ShoalDnsBenchServer {
    private ShoalDnsBenchServer() {}

    public static void main(String[] args) throws Exception {
        // As shoald runs it (Shoald.main): Netty's leak detector off, an explicit
        // -Dio.netty.leakDetection.level still wins. Left on, it samples one buffer in 128 and
        // fills in a stack trace for it (~1% of the server's CPU under dnsperf).
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        Map<String, String> opts = parse(args);
        InetAddress address = InetAddress.getByName(required(opts, "address"));
        int port = Integer.parseInt(opts.getOrDefault("port", "53"));
        SocketNamespace ns = opts.containsKey("netns")
                ? NetNsSocketNamespace.openPath(Path.of(opts.get("netns")))
                : SocketNamespace.HOST;
        InetSocketAddress endpoint = new InetSocketAddress(address, port);
        if (opts.containsKey("echo")) {
            echo(ns, endpoint);
            return;
        }
        int services = Integer.parseInt(opts.getOrDefault("services", "1000"));
        DnsServerConfig config = DnsServerConfig.defaults();
        if (opts.containsKey("transport")) {
            config = config.withTransport(Transport.valueOf(opts.get("transport")));
        }
        if (opts.containsKey("threads")) {
            config = config.withThreads(Integer.parseInt(opts.get("threads")));
        }
        if (opts.containsKey("udp")) {
            config = config.withUdpIo(UdpIo.valueOf(opts.get("udp")));
        }
        DnsServer server = DnsServer.start(config);
        server.update(BenchTable.services(services));
        DnsBinding binding = server.bind(endpoint, DnsScope.of(BenchTable.NETWORK), ns);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("ready shoal " + binding.localAddress() + " transport " + server.transport() + " udp "
                + config.udpIo() + " threads " + config.threads() + " services " + services);
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /** One thread, one socket, blocking: receive, set QR, send back. */
    private static void echo(SocketNamespace ns, InetSocketAddress endpoint) throws IOException {
        DatagramChannel ch = ns.open(() -> {
            try {
                return DatagramChannel.open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ch.bind(endpoint);
        System.out.println("ready echo " + ch.getLocalAddress());
        System.out.flush();
        ByteBuffer buf = ByteBuffer.allocateDirect(65535);
        while (true) {
            buf.clear();
            SocketAddress from = ch.receive(buf);
            buf.flip();
            if (buf.remaining() >= 3) {
                buf.put(2, (byte) (buf.get(2) | 0x80));
            }
            ch.send(buf, from);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option, got '" + args[i] + "'");
            }
            String key = args[i].substring(2);
            if (key.equals("echo")) {
                opts.put(key, "true");
            } else if (i + 1 < args.length) {
                opts.put(key, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
        }
        return opts;
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }
}
