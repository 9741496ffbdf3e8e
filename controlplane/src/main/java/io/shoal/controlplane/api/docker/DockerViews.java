package io.shoal.controlplane.api.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.model.Cidr;
import io.shoal.model.Constraint;
import io.shoal.model.ContainerSpec;
import io.shoal.model.EndpointSpec;
import io.shoal.model.HealthCheck;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.Node;
import io.shoal.model.NodeRole;
import io.shoal.model.PlacementPreference;
import io.shoal.model.PortConfig;
import io.shoal.model.Resources;
import io.shoal.model.Service;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import io.shoal.model.TaskStatus;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateStatus;
import io.shoal.model.VirtualIp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Shoal's objects in the Docker Engine API's JSON shapes (v1.41). Field names and enum values are
 * Docker's; durations are integer nanoseconds; ids and version indexes are Shoal's own, so that an
 * update can name the version it read.
 */
public final class DockerViews {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private DockerViews() {}

    static ObjectNode object() {
        return F.objectNode();
    }

    static ArrayNode array() {
        return F.arrayNode();
    }

    private static void meta(ObjectNode o, Meta meta) {
        o.put("ID", meta.id());
        o.putObject("Version").put("Index", meta.version());
        o.put("CreatedAt", meta.createdAt().toString());
        o.put("UpdatedAt", meta.updatedAt().toString());
    }

    private static ObjectNode labels(Map<String, String> labels) {
        ObjectNode o = F.objectNode();
        labels.forEach(o::put);
        return o;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = F.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static long nanos(Duration d) {
        return d.toNanos();
    }

    // ---- services ----

    /**
     * A service; {@code status} (running, desired, completed tasks) is added when the client asked
     * for it with {@code ?status=true}.
     */
    public static ObjectNode service(Service s, long[] status) {
        ObjectNode o = F.objectNode();
        meta(o, s.meta());
        o.set("Spec", serviceSpec(s.spec()));
        if (s.previousSpec() != null) {
            o.set("PreviousSpec", serviceSpec(s.previousSpec()));
        }
        ObjectNode endpoint = o.putObject("Endpoint");
        endpoint.set("Spec", endpointSpec(s.spec().endpoint()));
        if (!s.endpoint().ports().isEmpty()) {
            endpoint.set("Ports", ports(s.endpoint().ports()));
        }
        if (!s.endpoint().virtualIps().isEmpty()) {
            ArrayNode vips = endpoint.putArray("VirtualIPs");
            for (VirtualIp v : s.endpoint().virtualIps()) {
                vips.addObject()
                        .put("NetworkID", v.networkId())
                        .put("Addr", v.address().toString());
            }
        }
        UpdateStatus u = s.updateStatus();
        if (u != null) {
            ObjectNode us = o.putObject("UpdateStatus");
            // Docker writes these states with underscores (rollback_started); Shoal with dashes.
            us.put("State", u.state().json().replace('-', '_'));
            us.put("StartedAt", u.startedAt().toString());
            if (u.completedAt() != null) {
                us.put("CompletedAt", u.completedAt().toString());
            }
            us.put("Message", u.message());
        }
        if (status != null) {
            o.putObject("ServiceStatus")
                    .put("RunningTasks", status[0])
                    .put("DesiredTasks", status[1])
                    .put("CompletedTasks", status[2]);
        }
        return o;
    }

    /** A service spec in Docker's shape. */
    public static ObjectNode serviceSpec(ServiceSpec spec) {
        ObjectNode o = F.objectNode();
        o.put("Name", spec.name());
        o.set("Labels", labels(spec.labels()));
        o.set("TaskTemplate", taskSpec(spec.task()));
        ObjectNode mode = o.putObject("Mode");
        if (spec.mode().global()) {
            mode.putObject("Global");
        } else {
            mode.putObject("Replicated").put("Replicas", spec.mode().replicas());
        }
        o.set("UpdateConfig", update(spec.update()));
        o.set("RollbackConfig", update(spec.rollback()));
        o.set("EndpointSpec", endpointSpec(spec.endpoint()));
        return o;
    }

    static ObjectNode taskSpec(TaskSpec t) {
        ObjectNode o = F.objectNode();
        o.set("ContainerSpec", container(t.container()));
        ObjectNode res = o.putObject("Resources");
        res.set("Limits", amounts(t.resources().limits()));
        res.set("Reservations", amounts(t.resources().reservations()));
        ObjectNode rp = o.putObject("RestartPolicy");
        rp.put("Condition", t.restartPolicy().condition().json());
        rp.put("Delay", nanos(t.restartPolicy().delay()));
        rp.put("MaxAttempts", t.restartPolicy().maxAttempts());
        rp.put("Window", nanos(t.restartPolicy().window()));
        ObjectNode placement = o.putObject("Placement");
        if (!t.placement().constraints().isEmpty()) {
            ArrayNode cs = placement.putArray("Constraints");
            for (Constraint c : t.placement().constraints()) {
                cs.add(c.toString());
            }
        }
        if (!t.placement().preferences().isEmpty()) {
            ArrayNode ps = placement.putArray("Preferences");
            for (PlacementPreference p : t.placement().preferences()) {
                ps.addObject().putObject("Spread").put("SpreadDescriptor", p.spread());
            }
        }
        if (t.placement().maxReplicasPerNode() > 0) {
            placement.put("MaxReplicas", t.placement().maxReplicasPerNode());
        }
        if (!t.networks().isEmpty()) {
            ArrayNode nets = o.putArray("Networks");
            for (NetworkAttachmentConfig n : t.networks()) {
                ObjectNode a = nets.addObject().put("Target", n.target());
                if (!n.aliases().isEmpty()) {
                    a.set("Aliases", strings(n.aliases()));
                }
            }
        }
        o.put("ForceUpdate", t.forceUpdate());
        o.put("Runtime", "container");
        return o;
    }

    private static ObjectNode container(ContainerSpec c) {
        ObjectNode o = F.objectNode();
        o.put("Image", c.image());
        if (!c.command().isEmpty()) {
            o.set("Command", strings(c.command()));
        }
        if (!c.args().isEmpty()) {
            o.set("Args", strings(c.args()));
        }
        if (!c.hostname().isEmpty()) {
            o.put("Hostname", c.hostname());
        }
        if (!c.env().isEmpty()) {
            o.set("Env", strings(c.env()));
        }
        if (!c.workdir().isEmpty()) {
            o.put("Dir", c.workdir());
        }
        if (!c.user().isEmpty()) {
            o.put("User", c.user());
        }
        HealthCheck h = c.healthCheck();
        if (!h.equals(HealthCheck.INHERIT)) {
            ObjectNode hc = o.putObject("Healthcheck");
            hc.set("Test", strings(h.test()));
            hc.put("Interval", nanos(h.interval()));
            hc.put("Timeout", nanos(h.timeout()));
            hc.put("StartPeriod", nanos(h.startPeriod()));
            hc.put("Retries", h.retries());
        }
        o.put("StopGracePeriod", nanos(c.stopGracePeriod()));
        o.put("Isolation", "default");
        return o;
    }

    private static ObjectNode amounts(Resources r) {
        ObjectNode o = F.objectNode();
        if (r.nanoCpus() > 0) {
            o.put("NanoCPUs", r.nanoCpus());
        }
        if (r.memoryBytes() > 0) {
            o.put("MemoryBytes", r.memoryBytes());
        }
        return o;
    }

    private static ObjectNode update(UpdateConfig u) {
        return F.objectNode()
                .put("Parallelism", u.parallelism())
                .put("Delay", nanos(u.delay()))
                .put("FailureAction", u.failureAction().json())
                .put("Monitor", nanos(u.monitor()))
                .put("MaxFailureRatio", u.maxFailureRatio())
                .put("Order", u.order().json());
    }

    private static ObjectNode endpointSpec(EndpointSpec e) {
        ObjectNode o = F.objectNode();
        o.put("Mode", e.mode().json());
        if (!e.ports().isEmpty()) {
            o.set("Ports", ports(e.ports()));
        }
        return o;
    }

    private static ArrayNode ports(List<PortConfig> ports) {
        ArrayNode a = F.arrayNode();
        for (PortConfig p : ports) {
            ObjectNode o = a.addObject();
            if (!p.name().isEmpty()) {
                o.put("Name", p.name());
            }
            o.put("Protocol", p.protocol().json());
            o.put("TargetPort", p.targetPort());
            if (p.isPublished()) {
                o.put("PublishedPort", p.publishedPort());
            }
            o.put("PublishMode", p.publishMode().json());
        }
        return a;
    }

    // ---- tasks ----

    /**
     * A task with the status in effect (the agent's report when newer than the leader's record) and
     * its addresses by network.
     *
     * @param networks network id → network, to name the attachments
     */
    public static ObjectNode task(Task t, TaskStatus status, Function<String, Network> networks) {
        ObjectNode o = F.objectNode();
        meta(o, t.meta());
        o.put("ID", TaskIds.docker(t.id()));
        o.set("Labels", F.objectNode());
        o.set("Spec", taskSpec(t.spec()));
        o.put("ServiceID", t.serviceId());
        if (t.slot() > 0) {
            o.put("Slot", t.slot());
        }
        if (!t.nodeId().isEmpty()) {
            o.put("NodeID", t.nodeId());
        }
        ObjectNode st = o.putObject("Status");
        st.put("Timestamp", status.timestamp().toString());
        st.put("State", status.state().json());
        st.put("Message", status.message());
        if (!status.error().isEmpty()) {
            st.put("Err", status.error());
        }
        ObjectNode cs = st.putObject("ContainerStatus");
        if (!status.containerId().isEmpty()) {
            cs.put("ContainerID", status.containerId());
        }
        cs.put("ExitCode", status.exitCode());
        st.putObject("PortStatus");
        o.put("DesiredState", t.desiredState().json());
        if (!t.addresses().isEmpty()) {
            ArrayNode atts = o.putArray("NetworksAttachments");
            for (Map.Entry<String, Cidr> e : t.addresses().entrySet()) {
                ObjectNode att = atts.addObject();
                Network n = networks.apply(e.getKey());
                att.set("Network", n != null ? networkObject(n) : F.objectNode().put("ID", e.getKey()));
                att.putArray("Addresses").add(e.getValue().toString());
            }
        }
        return o;
    }

    /** A network as swarm objects embed it (tasks' attachments). */
    private static ObjectNode networkObject(Network n) {
        ObjectNode o = F.objectNode();
        meta(o, n.meta());
        ObjectNode spec = o.putObject("Spec");
        spec.put("Name", n.name());
        spec.set("Labels", labels(n.spec().labels()));
        spec.putObject("DriverConfiguration").put("Name", "overlay");
        spec.put("Attachable", n.spec().attachable());
        spec.put("Internal", n.spec().internal());
        spec.put("Ingress", n.spec().ingress());
        o.putObject("DriverState").put("Name", "overlay");
        return o;
    }

    // ---- nodes ----

    /**
     * A node.
     *
     * @param leaderId the node id of the leading manager, "" when unknown
     * @param version the Shoal version string shown as the engine version
     */
    public static ObjectNode node(Node n, String leaderId, String version) {
        ObjectNode o = F.objectNode();
        meta(o, n.meta());
        ObjectNode spec = o.putObject("Spec");
        if (!n.spec().name().isEmpty()) {
            spec.put("Name", n.spec().name());
        }
        spec.set("Labels", labels(n.spec().labels()));
        spec.put("Role", n.spec().role().json());
        spec.put("Availability", n.spec().availability().json());
        ObjectNode d = o.putObject("Description");
        d.put("Hostname", n.description().hostname());
        d.putObject("Platform").put("Architecture", "x86_64").put("OS", "linux");
        ObjectNode r = d.putObject("Resources");
        r.put("NanoCPUs", n.description().resources().nanoCpus());
        r.put("MemoryBytes", n.description().resources().memoryBytes());
        d.putObject("Engine").put("EngineVersion", version);
        String addr = n.description().addresses().isEmpty()
                ? ""
                : n.description().addresses().get(0);
        o.putObject("Status")
                .put("State", n.status().state().json())
                .put("Message", n.status().message())
                .put("Addr", addr);
        if (n.spec().role() == NodeRole.MANAGER) {
            ObjectNode ms = o.putObject("ManagerStatus");
            boolean leader = n.id().equals(leaderId);
            if (leader) {
                ms.put("Leader", true);
            }
            ms.put("Reachability", n.status().state().json().equals("ready") ? "reachable" : "unreachable");
            ms.put("Addr", addr.isEmpty() ? "" : addr + ":2377");
        }
        return o;
    }

    // ---- networks ----

    /** A network as {@code /networks} answers it (Docker's network resource). */
    public static ObjectNode network(Network n) {
        ObjectNode o = F.objectNode();
        o.put("Name", n.name());
        o.put("Id", n.id());
        o.put("Created", n.meta().createdAt().toString());
        o.put("Scope", "swarm");
        o.put("Driver", "overlay");
        o.put("EnableIPv4", true);
        o.put("EnableIPv6", false);
        ObjectNode ipam = o.putObject("IPAM");
        ipam.put("Driver", "default");
        ipam.putNull("Options");
        ArrayNode config = ipam.putArray("Config");
        Cidr subnet = n.subnet() != null ? n.subnet() : n.spec().subnet();
        if (subnet != null) {
            ObjectNode c = config.addObject().put("Subnet", subnet.toString());
            Cidr gw = n.gateway() != null ? n.gateway() : n.spec().gateway();
            if (gw != null) {
                c.put("Gateway", Cidr.format(gw.address()));
            }
        }
        o.put("Internal", n.spec().internal());
        o.put("Attachable", n.spec().attachable());
        o.put("Ingress", n.spec().ingress());
        o.putObject("ConfigFrom").put("Network", "");
        o.put("ConfigOnly", false);
        o.putObject("Containers");
        ObjectNode opts = o.putObject("Options");
        if (n.vni() != 0) {
            opts.put("com.docker.network.driver.overlay.vxlanid_list", Integer.toString(n.vni()));
        }
        if (n.spec().mtu() != 0) {
            opts.put("com.docker.network.driver.mtu", Integer.toString(n.spec().mtu()));
        }
        o.set("Labels", labels(n.spec().labels()));
        return o;
    }

    static String time(Instant t) {
        return t.toString();
    }
}
