package io.shoal.ingress.netns;

import io.shoal.ingress.mesh.RoutingMesh;
import io.shoal.ingress.support.Tables;
import io.shoal.model.PortConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The routing mesh as its own process, for tests that put it in a network namespace (the agent
 * will do this for real). Arguments: bind address, published TCP port, target TCP port, backend
 * IPs (comma-separated), published UDP port, target UDP port: one service with both ports. Then, on stdin: {@code backends ip,ip,...} installs a new table,
 * {@code metrics} prints the snapshot, {@code quit} exits. It answers {@code READY} / {@code
 * UPDATED} / the metrics followed by {@code END} on stdout.
 */
public final class StandaloneMesh {
    private StandaloneMesh() {}

    public static void main(String[] args) throws Exception {
        InetAddress bind = InetAddress.getByName(args[0]);
        int published = Integer.parseInt(args[1]);
        int target = Integer.parseInt(args[2]);
        int publishedUdp = Integer.parseInt(args[4]);
        int targetUdp = Integer.parseInt(args[5]);
        List<PortConfig> ports = List.of(Tables.tcp(published, target), Tables.udp(publishedUdp, targetUdp));
        try (RoutingMesh mesh = RoutingMesh.builder()
                .nodeId("n1")
                .ingressNetworkId(Tables.INGRESS)
                .bindAddress(bind)
                .threads(2)
                .build()
                .start()) {
            long version = 1;
            install(mesh, version, ports, args[3]);
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("backends ")) {
                    install(mesh, ++version, ports, line.substring("backends ".length()));
                    System.out.println("UPDATED");
                } else if (line.equals("metrics")) {
                    System.out.print(mesh.metrics().toPrometheusText());
                    System.out.println("END");
                } else if (line.equals("quit")) {
                    break;
                }
                System.out.flush();
            }
        }
    }

    private static void install(RoutingMesh mesh, long version, List<PortConfig> ports, String csv) throws Exception {
        List<InetAddress> backends = new ArrayList<>();
        for (String ip : csv.split(",")) {
            if (!ip.isBlank()) {
                backends.add(InetAddress.getByName(ip.trim()));
            }
        }
        mesh.update(Tables.table(version, Tables.service("web", ports, Tables.readyTasks("t", backends))));
    }
}
