package io.shoal.controlplane.api.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.controlplane.store.Kind;
import io.shoal.controlplane.store.Store;
import io.shoal.model.Cidr;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Node;
import io.shoal.model.NodeRole;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.data.Stat;

/**
 * The cluster-wide answers of the Docker API: {@code /version}, {@code /info} (with its Swarm
 * section) and {@code /swarm}, and which node leads. Read from ZooKeeper: the cluster record (its
 * creation gives the cluster a stable id) and the leader latch (its first participant leads).
 */
public final class SwarmInfo {
    private final Store store;
    private final String managerId;
    private volatile String clusterId;
    private volatile Instant clusterCreated = Instant.EPOCH;

    /**
     * @param store the manager's started store
     * @param managerId this manager's id ("" when unknown): the {@code NodeID} {@code /info} reports,
     *     which {@code docker node ls} marks with {@code *}
     */
    public SwarmInfo(Store store, String managerId) {
        this.store = store;
        this.managerId = managerId == null ? "" : managerId;
    }

    /** The id of the leading manager as the latch shows it; "" when there is none. */
    public String leaderNodeId() {
        String latch = store.layout().leader();
        try {
            List<String> children = store.client().getChildren().forPath(latch);
            Optional<String> first = children.stream()
                    .filter(c -> c.contains("latch-"))
                    .min(Comparator.comparing(c -> c.substring(c.lastIndexOf("latch-"))));
            if (first.isEmpty()) {
                return "";
            }
            byte[] id = store.client().getData().forPath(latch + "/" + first.get());
            return id == null ? "" : new String(id, StandardCharsets.UTF_8);
        } catch (Exception e) {
            // No latch yet, or a participant left between the two reads: nobody is marked.
            return "";
        }
    }

    /** A stable cluster id: derived from when the cluster record was created. */
    String clusterId() {
        String id = clusterId;
        if (id != null) {
            return id;
        }
        try {
            Stat stat = store.client().checkExists().forPath(store.layout().cluster());
            if (stat == null) {
                return "";
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] d = md.digest(
                    ("shoal-cluster/" + stat.getCzxid() + "/" + stat.getCtime()).getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 25; i++) {
                b.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt((d[i] & 0xff) % 36));
            }
            clusterCreated = Instant.ofEpochMilli(stat.getCtime());
            clusterId = b.toString();
            return clusterId;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        } catch (Exception e) {
            return "";
        }
    }

    ObjectNode version() {
        ObjectNode o = DockerViews.object();
        o.putObject("Platform").put("Name", "Shoal");
        ArrayNode comps = o.putArray("Components");
        ObjectNode engine = comps.addObject();
        engine.put("Name", "Engine").put("Version", DockerApi.ENGINE_VERSION);
        engine.putObject("Details")
                .put("ApiVersion", DockerApi.VERSION)
                .put("MinAPIVersion", DockerApi.MIN_VERSION)
                .put("Os", "linux")
                .put("Arch", "amd64")
                .put("Experimental", "false");
        o.put("Version", DockerApi.ENGINE_VERSION);
        o.put("ApiVersion", DockerApi.VERSION);
        o.put("MinAPIVersion", DockerApi.MIN_VERSION);
        o.put("GitCommit", "");
        o.put("GoVersion", "java" + System.getProperty("java.version"));
        o.put("Os", "linux");
        o.put("Arch", "amd64");
        o.put("KernelVersion", System.getProperty("os.version"));
        o.put("BuildTime", "");
        return o;
    }

    ObjectNode info() {
        ObjectNode o = DockerViews.object();
        o.put("ID", managerId);
        o.put("Containers", 0)
                .put("ContainersRunning", 0)
                .put("ContainersPaused", 0)
                .put("ContainersStopped", 0);
        o.put("Images", 0);
        o.put("Driver", "");
        o.putArray("DriverStatus");
        ObjectNode plugins = o.putObject("Plugins");
        plugins.putArray("Volume");
        plugins.putArray("Network").add("overlay");
        plugins.putArray("Log");
        o.put("NCPU", Runtime.getRuntime().availableProcessors());
        o.put("MemTotal", Runtime.getRuntime().maxMemory());
        o.put("Name", managerId);
        o.put("ServerVersion", DockerApi.ENGINE_VERSION);
        o.put("OperatingSystem", "Shoal");
        o.put("OSType", "linux");
        o.put("Architecture", "x86_64");
        o.put("KernelVersion", System.getProperty("os.version"));
        o.putArray("Labels");
        o.put("ExperimentalBuild", false);
        o.putArray("SecurityOptions");
        o.putArray("Warnings");
        o.set("Swarm", swarmSection());
        return o;
    }

    private ObjectNode swarmSection() {
        List<Node> nodes = store.list(Kind.NODES);
        ObjectNode s = DockerViews.object();
        s.put("NodeID", managerId);
        String addr = nodes.stream()
                .filter(n ->
                        n.id().equals(managerId) && !n.description().addresses().isEmpty())
                .map(n -> n.description().addresses().get(0))
                .findFirst()
                .orElse("");
        s.put("NodeAddr", addr);
        s.put("LocalNodeState", "active");
        s.put("ControlAvailable", true);
        s.put("Error", "");
        ArrayNode remote = s.putArray("RemoteManagers");
        long managers = 0;
        for (Node n : nodes) {
            if (n.spec().role() == NodeRole.MANAGER) {
                managers++;
                String a = n.description().addresses().isEmpty()
                        ? ""
                        : n.description().addresses().get(0) + ":2377";
                remote.addObject().put("NodeID", n.id()).put("Addr", a);
            }
        }
        s.put("Nodes", nodes.size());
        s.put("Managers", managers);
        s.set("Cluster", inspect());
        return s;
    }

    /** {@code GET /swarm}: the cluster; the join tokens say how to get one (Shoal stores only digests). */
    ObjectNode inspect() {
        ClusterSpec cluster = store.cluster().orElseGet(() -> new ClusterSpec(null, null, 0, 0, 0, 0, null));
        ObjectNode c = DockerViews.object();
        c.put("ID", clusterId());
        c.putObject("Version").put("Index", 0);
        c.put("CreatedAt", clusterCreated.toString());
        c.put("UpdatedAt", clusterCreated.toString());
        ObjectNode spec = c.putObject("Spec");
        spec.put("Name", cluster.name());
        spec.putObject("Labels");
        spec.putObject("Orchestration").put("TaskHistoryRetentionLimit", cluster.taskHistoryLimit());
        spec.putObject("Raft");
        spec.putObject("Dispatcher");
        spec.putObject("CAConfig");
        spec.putObject("TaskDefaults");
        spec.putObject("EncryptionConfig").put("AutoLockManagers", false);
        c.putObject("TLSInfo");
        c.put("RootRotationInProgress", false);
        ArrayNode pools = c.putArray("DefaultAddrPool");
        for (Cidr p : cluster.defaultAddressPools()) {
            pools.add(p.toString());
        }
        c.put("SubnetSize", cluster.subnetSize());
        c.put("DataPathPort", 4789);
        // Only digests are stored: say so where a Swarm user looks for the token
        // ('docker swarm join-token worker' prints it), rather than print an empty one.
        c.putObject("JoinTokens")
                .put("Worker", "(not shown: Shoal stores only digests; run 'shoal swarm join-token --rotate worker')")
                .put(
                        "Manager",
                        "(not shown: Shoal stores only digests; run 'shoal swarm join-token --rotate manager')");
        return c;
    }
}
