package io.shoal.controlplane.api.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.controlplane.api.ApiException;
import io.shoal.model.Cidr;
import io.shoal.model.Constraint;
import io.shoal.model.ContainerSpec;
import io.shoal.model.EndpointMode;
import io.shoal.model.EndpointSpec;
import io.shoal.model.FailureAction;
import io.shoal.model.HealthCheck;
import io.shoal.model.Json;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.NodeAvailability;
import io.shoal.model.NodeRole;
import io.shoal.model.NodeSpec;
import io.shoal.model.Placement;
import io.shoal.model.PlacementPreference;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.ResourceRequirements;
import io.shoal.model.Resources;
import io.shoal.model.RestartCondition;
import io.shoal.model.RestartPolicy;
import io.shoal.model.ServiceMode;
import io.shoal.model.ServiceSpec;
import io.shoal.model.TaskSpec;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateOrder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Docker Engine API request bodies → Shoal's specs. Every field Docker defines is either mapped,
 * or refused with a 400 naming it when it carries a value Shoal cannot honour (secrets, mounts,
 * jobs…). Model validation errors come back prefixed with the Docker field they came from.
 */
public final class DockerSpecs {
    private DockerSpecs() {}

    /** Parses a request body; an empty or non-object body is a 400. */
    static JsonNode body(byte[] body, String what) {
        if (body == null || body.length == 0) {
            throw new ApiException(400, "body: a JSON " + what + " is required");
        }
        try {
            JsonNode n = Json.mapper().readTree(body);
            if (n == null || !n.isObject()) {
                throw new ApiException(400, "body: a JSON object (" + what + ") is required");
            }
            return n;
        } catch (IOException e) {
            throw new ApiException(
                    400, "body: not valid JSON: " + e.getMessage().split("\n")[0]);
        }
    }

    /** A Docker {@code ServiceSpec} as Shoal's. */
    public static ServiceSpec service(JsonNode json) {
        Fields f = Fields.of("", json);
        String name = f.string("Name");
        if (name.isEmpty()) {
            throw Fields.bad("Name", "a service name is required");
        }
        Map<String, String> labels = f.labels("Labels");
        Fields tt = f.object("TaskTemplate");
        List<NetworkAttachmentConfig> legacyNetworks = networks(f, "Networks");
        TaskSpec task = taskSpec(tt, legacyNetworks);
        ServiceMode mode = mode(f.object("Mode"));
        UpdateConfig update = update(f.object("UpdateConfig"));
        UpdateConfig rollback = update(f.object("RollbackConfig"));
        EndpointSpec endpoint = endpoint(f.object("EndpointSpec"));
        f.finish();
        return check("", () -> new ServiceSpec(name, labels, task, mode, update, rollback, endpoint));
    }

    private static TaskSpec taskSpec(Fields tt, List<NetworkAttachmentConfig> legacyNetworks) {
        ContainerSpec container = container(tt.object("ContainerSpec"));
        tt.unsupported("PluginSpec", "plugin tasks");
        tt.unsupported("NetworkAttachmentSpec", "network attachment tasks");
        ResourceRequirements resources = resources(tt.object("Resources"));
        RestartPolicy restart = restart(tt.object("RestartPolicy"));
        Placement placement = placement(tt.object("Placement"));
        List<NetworkAttachmentConfig> nets = networks(tt, "Networks");
        if (nets.isEmpty()) {
            nets = legacyNetworks;
        }
        tt.unsupported("LogDriver", "log drivers");
        // A counter the client raises (--force) so the template changes and every task is replaced.
        long force = tt.number("ForceUpdate");
        if (force < 0) {
            throw Fields.bad(tt.at("ForceUpdate"), force + " must be >= 0");
        }
        String runtime = tt.string("Runtime");
        if (!runtime.isEmpty() && !runtime.equals("container")) {
            throw Fields.bad(tt.at("Runtime"), "'" + runtime + "' is not supported (only container)");
        }
        tt.finish();
        List<NetworkAttachmentConfig> networks = nets;
        return check(tt.path(), () -> new TaskSpec(container, resources, restart, placement, networks, force));
    }

    private static ContainerSpec container(Fields c) {
        String image = c.string("Image");
        if (image.isEmpty()) {
            throw Fields.bad(c.at("Image"), "an image is required");
        }
        List<String> command = c.strings("Command");
        List<String> args = c.strings("Args");
        String hostname = c.string("Hostname");
        List<String> env = c.strings("Env");
        String dir = c.string("Dir");
        String user = c.string("User");
        HealthCheck health = health(c.object("Healthcheck"));
        var grace = c.nanos("StopGracePeriod");
        c.unsupported("Labels", "container labels");
        c.unsupported("Groups", "supplementary groups");
        c.unsupported("Privileges", "credential specs and SELinux contexts");
        c.unsupported("TTY", "TTYs");
        c.unsupported("OpenStdin", "open stdin");
        c.unsupported("ReadOnly", "read-only root filesystems");
        c.unsupported("Mounts", "mounts");
        c.unsupported("StopSignal", "stop signals");
        c.unsupported("Hosts", "extra /etc/hosts entries");
        c.unsupported("DNSConfig", "DNS settings (tasks use the embedded DNS server)");
        c.unsupported("Secrets", "secrets");
        c.unsupported("Configs", "configs");
        c.unsupported("Init", "init processes");
        c.unsupported("Sysctls", "sysctls");
        c.unsupported("CapabilityAdd", "added capabilities");
        c.unsupported("CapabilityDrop", "dropped capabilities");
        c.unsupported("Ulimits", "ulimits");
        c.unsupported("OomScoreAdj", "OOM score adjustments");
        String isolation = c.string("Isolation");
        if (!isolation.isEmpty() && !isolation.equals("default")) {
            throw Fields.bad(c.at("Isolation"), "'" + isolation + "' is not supported (only default)");
        }
        c.finish();
        return check(c.path(), () -> new ContainerSpec(image, command, args, env, hostname, user, dir, health, grace));
    }

    private static HealthCheck health(Fields h) {
        if (!h.has("Test") && !h.has("Interval") && !h.has("Timeout") && !h.has("Retries") && !h.has("StartPeriod")) {
            h.unsupported("StartInterval", "health check start intervals");
            h.finish();
            return null;
        }
        List<String> test = h.strings("Test");
        var interval = h.nanosOrDefault("Interval");
        var timeout = h.nanosOrDefault("Timeout");
        var start = h.nanosOrDefault("StartPeriod");
        long retries = h.number("Retries");
        h.unsupported("StartInterval", "health check start intervals");
        h.finish();
        return check(h.path(), () -> new HealthCheck(test, interval, timeout, start, retries));
    }

    private static ResourceRequirements resources(Fields r) {
        Resources limits = amounts(r.object("Limits"));
        Resources reservations = amounts(r.object("Reservations"));
        r.unsupported("SwapBytes", "swap limits");
        r.unsupported("MemorySwappiness", "swappiness");
        r.finish();
        return check(r.path(), () -> new ResourceRequirements(reservations, limits));
    }

    private static Resources amounts(Fields a) {
        long cpus = a.number("NanoCPUs");
        long mem = a.number("MemoryBytes");
        a.unsupported("Pids", "pid limits");
        a.unsupported("GenericResources", "generic resources");
        a.finish();
        return check(a.path(), () -> new Resources(cpus, mem));
    }

    private static RestartPolicy restart(Fields r) {
        String cond = r.string("Condition");
        var delay = r.nanos("Delay");
        long max = r.number("MaxAttempts");
        var window = r.nanos("Window");
        r.finish();
        return check(
                r.path(),
                () -> new RestartPolicy(cond.isEmpty() ? null : RestartCondition.parse(cond), delay, max, window));
    }

    private static Placement placement(Fields p) {
        List<String> constraints = p.strings("Constraints");
        List<Constraint> parsed = new ArrayList<>();
        for (int i = 0; i < constraints.size(); i++) {
            String c = constraints.get(i);
            parsed.add(check(p.at("Constraints") + "[" + i + "]", () -> Constraint.parse(c)));
        }
        List<PlacementPreference> prefs = new ArrayList<>();
        for (Fields pref : p.objects("Preferences")) {
            Fields spread = pref.object("Spread");
            String descriptor = spread.string("SpreadDescriptor");
            spread.finish();
            pref.finish();
            prefs.add(check(pref.path(), () -> new PlacementPreference(descriptor)));
        }
        long max = p.number("MaxReplicas");
        // The client fills Platforms from the image's manifest; Shoal places by constraints only.
        p.raw("Platforms");
        p.finish();
        return check(p.path(), () -> new Placement(parsed, prefs, max));
    }

    private static List<NetworkAttachmentConfig> networks(Fields parent, String key) {
        List<NetworkAttachmentConfig> out = new ArrayList<>();
        for (Fields n : parent.objects(key)) {
            String target = n.string("Target");
            List<String> aliases = n.strings("Aliases");
            n.unsupported("DriverOpts", "network driver options");
            n.finish();
            out.add(check(n.path(), () -> new NetworkAttachmentConfig(target, aliases)));
        }
        return out;
    }

    private static ServiceMode mode(Fields m) {
        m.unsupported("ReplicatedJob", "jobs");
        m.unsupported("GlobalJob", "jobs");
        boolean global = m.raw("Global") != null;
        boolean replicated = m.has("Replicated");
        if (global && replicated) {
            throw Fields.bad(m.path(), "Replicated and Global are exclusive");
        }
        ServiceMode mode;
        if (global) {
            m.object("Global").finish();
            mode = ServiceMode.GLOBAL;
        } else {
            Fields r = m.object("Replicated");
            // Docker's default when Replicas is left out is 1.
            long replicas = r.has("Replicas") ? r.number("Replicas") : 1;
            r.finish();
            mode = check(r.at("Replicas"), () -> ServiceMode.replicated(replicas));
        }
        m.finish();
        return mode;
    }

    private static UpdateConfig update(Fields u) {
        long parallelism = u.has("Parallelism") ? u.number("Parallelism") : 1;
        var delay = u.nanos("Delay");
        String action = u.string("FailureAction");
        var monitor = u.nanosOrDefault("Monitor");
        double ratio = u.decimal("MaxFailureRatio");
        String order = u.string("Order");
        u.finish();
        return check(
                u.path(),
                () -> new UpdateConfig(
                        parallelism,
                        delay,
                        action.isEmpty() ? null : FailureAction.parse(action),
                        monitor,
                        ratio,
                        order.isEmpty() ? null : UpdateOrder.parse(order)));
    }

    private static EndpointSpec endpoint(Fields e) {
        String mode = e.string("Mode");
        List<PortConfig> ports = new ArrayList<>();
        for (Fields p : e.objects("Ports")) {
            String name = p.string("Name");
            String proto = p.string("Protocol");
            long target = p.number("TargetPort");
            long published = p.number("PublishedPort");
            String publish = p.string("PublishMode");
            if (proto.equals("sctp")) {
                throw Fields.bad(p.at("Protocol"), "sctp is not supported (tcp or udp)");
            }
            p.finish();
            ports.add(check(
                    p.path(),
                    () -> new PortConfig(
                            name,
                            proto.isEmpty() ? null : Protocol.parse(proto),
                            (int) target,
                            (int) published,
                            publish.isEmpty() ? null : PublishMode.parse(publish))));
        }
        e.finish();
        return check(e.path(), () -> new EndpointSpec(mode.isEmpty() ? null : EndpointMode.parse(mode), ports));
    }

    /** A Docker {@code NodeSpec} as Shoal's. */
    public static NodeSpec node(JsonNode json) {
        Fields f = Fields.of("", json);
        String name = f.string("Name");
        Map<String, String> labels = f.labels("Labels");
        String role = f.string("Role");
        String availability = f.string("Availability");
        f.finish();
        return check(
                "",
                () -> new NodeSpec(
                        name,
                        role.isEmpty() ? null : NodeRole.parse(role),
                        availability.isEmpty() ? null : NodeAvailability.parse(availability),
                        labels));
    }

    /** A Docker {@code NetworkCreateRequest} as Shoal's network spec (overlay only). */
    public static NetworkSpec network(JsonNode json) {
        Fields f = Fields.of("", json);
        String name = f.string("Name");
        if (name.isEmpty()) {
            throw Fields.bad("Name", "a network name is required");
        }
        String driver = f.string("Driver");
        if (!driver.isEmpty() && !driver.equals("overlay")) {
            throw Fields.bad(
                    "Driver", "'" + driver + "' is not supported: Shoal networks are overlay (use --driver overlay)");
        }
        String scope = f.string("Scope");
        if (!scope.isEmpty() && !scope.equals("swarm")) {
            throw Fields.bad("Scope", "'" + scope + "' is not supported (only swarm)");
        }
        boolean internal = f.bool("Internal");
        boolean attachable = f.bool("Attachable");
        boolean ingress = f.bool("Ingress");
        f.raw("CheckDuplicate"); // names are always unique in Shoal
        f.unsupported("EnableIPv6", "IPv6 networks");
        f.unsupported("ConfigOnly", "config-only networks");
        f.unsupported("ConfigFrom", "networks configured from others");
        if (f.has("EnableIPv4") && !f.bool("EnableIPv4")) {
            throw Fields.bad("EnableIPv4", "false is not supported (overlay networks are IPv4)");
        }
        f.raw("EnableIPv4");
        Map<String, String> labels = f.labels("Labels");
        Map<String, String> options = f.labels("Options");
        int mtu = 0;
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (o.getKey().equals("com.docker.network.driver.mtu")) {
                try {
                    mtu = Integer.parseInt(o.getValue().trim());
                } catch (NumberFormatException e) {
                    throw Fields.bad("Options." + o.getKey(), "'" + o.getValue() + "' is not a number");
                }
            } else {
                throw Fields.bad("Options." + o.getKey(), "driver option not supported by Shoal");
            }
        }
        Fields ipam = f.object("IPAM");
        String ipamDriver = ipam.string("Driver");
        if (!ipamDriver.isEmpty() && !ipamDriver.equals("default")) {
            throw Fields.bad(ipam.at("Driver"), "'" + ipamDriver + "' is not supported (only default)");
        }
        ipam.unsupported("Options", "IPAM options");
        List<Fields> configs = ipam.objects("Config");
        if (configs.size() > 1) {
            throw Fields.bad(ipam.at("Config"), "one subnet per network at most, got " + configs.size());
        }
        Cidr subnet = null;
        Cidr gateway = null;
        for (Fields c : configs) {
            String s = c.string("Subnet");
            String g = c.string("Gateway");
            c.unsupported("IPRange", "IP ranges");
            c.unsupported("AuxiliaryAddresses", "auxiliary addresses");
            c.finish();
            subnet = s.isEmpty() ? null : check(c.at("Subnet"), () -> Cidr.parse("subnet", s));
            if (!g.isEmpty()) {
                // A gateway is written as a bare address; the spec keeps it with the subnet's prefix.
                Cidr sub = subnet;
                gateway = check(
                        c.at("Gateway"),
                        () -> Cidr.parse("gateway", g.contains("/") || sub == null ? g : g + "/" + sub.prefix()));
            }
        }
        ipam.finish();
        f.finish();
        Cidr sub = subnet;
        Cidr gw = gateway;
        int m = mtu;
        try {
            return check("", () -> new NetworkSpec(name, labels, sub, gw, attachable, internal, ingress, m));
        } catch (ApiException e) {
            // The spec names its own fields; say which Docker field they came from.
            String msg = e.getMessage();
            for (String[] pair : new String[][] {
                {"subnet:", "IPAM.Config[0].Subnet: "},
                {"gateway:", "IPAM.Config[0].Gateway: "},
                {"mtu:", "Options.com.docker.network.driver.mtu: "}
            }) {
                if (msg.startsWith(pair[0])) {
                    throw new ApiException(e.status(), pair[1] + msg);
                }
            }
            throw e;
        }
    }

    /** Runs a model constructor; its validation error comes back as a 400 prefixed with the field. */
    static <T> T check(String path, Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ApiException(400, (path.isEmpty() ? "" : path + ": ") + e.getMessage());
        }
    }
}
