package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.shoal.model.Constraint;
import io.shoal.model.ContainerSpec;
import io.shoal.model.EndpointSpec;
import io.shoal.model.FailureAction;
import io.shoal.model.HealthCheck;
import io.shoal.model.Json;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.Node;
import io.shoal.model.Placement;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.ProxyProtocolVersion;
import io.shoal.model.PublishMode;
import io.shoal.model.Service;
import io.shoal.model.ServiceMode;
import io.shoal.model.ServiceSpec;
import io.shoal.model.TaskSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TrafficPolicy;
import io.shoal.model.UpdateConfig;
import io.shoal.model.UpdateOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code shoal service …}: the verbs and columns of {@code docker service}. */
@Command(
        name = "service",
        description = "Manage services",
        subcommands = {
            ServiceCommand.Create.class,
            ServiceCommand.Ls.class,
            ServiceCommand.Ps.class,
            ServiceCommand.Inspect.class,
            ServiceCommand.Scale.class,
            ServiceCommand.Update.class,
            ServiceCommand.Rollback.class,
            ServiceCommand.Rm.class
        })
final class ServiceCommand {
    @ParentCommand
    Shoal root;

    static Service fetch(ApiClient api, String ref) {
        return ApiClient.as(api.get("/services/" + ref), Service.class);
    }

    /** Writes an update naming the version read; prints the service name as Docker does. */
    static long update(Shoal root, Service s, ServiceSpec spec) {
        return root.client()
                .post(
                        "/services/" + s.id() + "/update",
                        Map.of("version", Long.toString(s.meta().version())),
                        spec)
                .path("version")
                .asLong();
    }

    /**
     * Published ports: {@code [PUBLISHED:]TARGET[/PROTO]} or the long form {@code
     * published=P,target=T[,protocol=udp][,mode=host][,traffic-policy=local][,proxy-protocol=v1|v2]
     * [,trusted-proxies=CIDR]...} ({@code trusted-proxies} may be repeated, one CIDR each).
     */
    static PortConfig port(String text) {
        try {
            if (text.contains("=")) {
                Map<String, String> kv = new HashMap<>();
                List<String> trusted = new ArrayList<>();
                for (String part : text.split(",")) {
                    String[] p = part.split("=", 2);
                    if (p.length != 2) {
                        throw new Shoal.UsageError("--publish: '" + part + "' is not KEY=VALUE");
                    }
                    String key = p[0].trim();
                    if (!PUBLISH_KEYS.contains(key)) {
                        throw new Shoal.UsageError("--publish: unknown key '" + key + "' (known: "
                                + String.join(", ", PUBLISH_KEYS) + ")");
                    }
                    if (key.equals("trusted-proxies")) {
                        trusted.add(p[1].trim());
                    } else {
                        kv.put(key, p[1].trim());
                    }
                }
                if (!kv.containsKey("target")) {
                    throw new Shoal.UsageError("--publish: '" + text + "' needs target=PORT");
                }
                return new PortConfig(
                        "",
                        Protocol.parse(kv.getOrDefault("protocol", "tcp")),
                        Integer.parseInt(kv.get("target")),
                        Integer.parseInt(kv.getOrDefault("published", "0")),
                        PublishMode.parse(kv.getOrDefault("mode", "ingress")),
                        kv.containsKey("traffic-policy") ? TrafficPolicy.parse(kv.get("traffic-policy")) : null,
                        kv.containsKey("proxy-protocol") ? ProxyProtocolVersion.parse(kv.get("proxy-protocol")) : null,
                        trusted);
            }
            String spec = text;
            Protocol proto = Protocol.TCP;
            int slash = spec.indexOf('/');
            if (slash >= 0) {
                proto = Protocol.parse(spec.substring(slash + 1));
                spec = spec.substring(0, slash);
            }
            int colon = spec.indexOf(':');
            int published = colon < 0 ? 0 : Integer.parseInt(spec.substring(0, colon));
            int target = Integer.parseInt(colon < 0 ? spec : spec.substring(colon + 1));
            return new PortConfig("", proto, target, published, PublishMode.INGRESS);
        } catch (Shoal.UsageError e) {
            throw e;
        } catch (NumberFormatException e) {
            throw new Shoal.UsageError("--publish: '" + text + "' must be [PUBLISHED:]TARGET[/tcp|udp]");
        } catch (IllegalArgumentException e) {
            throw new Shoal.UsageError("--publish: '" + text + "': " + e.getMessage());
        }
    }

    /** The keys of the long {@code --publish} form. */
    static final List<String> PUBLISH_KEYS =
            List.of("published", "target", "protocol", "mode", "traffic-policy", "proxy-protocol", "trusted-proxies");

    static String portText(PortConfig p) {
        List<String> notes = new ArrayList<>();
        if (p.publishMode() == PublishMode.HOST) {
            notes.add("host");
        }
        if (p.trafficPolicy() == TrafficPolicy.LOCAL) {
            notes.add("local");
        }
        if (p.proxyProtocol() != ProxyProtocolVersion.NONE) {
            notes.add("proxy " + p.proxyProtocol().json());
        }
        if (p.acceptsProxyProtocol()) {
            notes.add("trusts " + String.join(" ", p.trustedProxies()));
        }
        return (p.isPublished() ? "*:" + p.publishedPort() + "->" : "") + p.targetPort() + "/"
                + p.protocol().json() + (notes.isEmpty() ? "" : " (" + String.join(", ", notes) + ")");
    }

    // ---- create ----

    @Command(name = "create", description = "Create a service: IMAGE [COMMAND] [ARG...]")
    static final class Create implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Option(names = "--name", required = true, description = "Service name")
        String name;

        @Option(names = "--replicas", description = "Number of tasks (replicated mode)")
        Long replicas;

        @Option(names = "--mode", defaultValue = "replicated", description = "replicated or global")
        String mode;

        @Option(
                names = {"-p", "--publish"},
                description = "Publish a port: [PUBLISHED:]TARGET[/PROTO] or published=P,target=T[,protocol=udp]"
                        + "[,mode=host][,traffic-policy=local][,proxy-protocol=v1|v2][,trusted-proxies=CIDR]...")
        List<String> publish = new ArrayList<>();

        @Option(names = "--network", description = "Network to attach to")
        List<String> networks = new ArrayList<>();

        @Option(
                names = {"-e", "--env"},
                description = "Environment variable NAME=value")
        List<String> env = new ArrayList<>();

        @Option(names = "--constraint", description = "Placement constraint, e.g. node.labels.zone==a")
        List<String> constraints = new ArrayList<>();

        @Option(names = "--label", description = "Service label KEY=VALUE")
        List<String> labels = new ArrayList<>();

        @Option(names = "--update-parallelism", description = "Tasks updated at once (0 = all)")
        Long parallelism;

        @Option(names = "--update-delay", description = "Delay between update batches, e.g. 10s")
        String delay;

        @Option(names = "--health-cmd", description = "Command run to check health")
        String healthCmd;

        @Option(
                names = {"-d", "--detach"},
                description = "Do not wait for the service to converge")
        boolean detach;

        @Parameters(index = "0", paramLabel = "IMAGE")
        String image;

        @Parameters(index = "1..*", paramLabel = "ARG")
        List<String> args = new ArrayList<>();

        @Override
        public void run() {
            Shoal root = parent.root;
            ServiceMode m;
            switch (mode) {
                case "replicated" -> m = ServiceMode.replicated(replicas == null ? 1 : replicas);
                case "global" -> {
                    if (replicas != null) {
                        throw new Shoal.UsageError("--replicas: not allowed with --mode global");
                    }
                    m = ServiceMode.GLOBAL;
                }
                default -> throw new Shoal.UsageError("--mode: '" + mode + "' is not one of replicated, global");
            }
            List<PortConfig> ports = publish.stream().map(ServiceCommand::port).toList();
            ContainerSpec container = new ContainerSpec(
                    image,
                    null,
                    args,
                    env,
                    null,
                    null,
                    null,
                    healthCmd == null ? null : HealthCheck.shell(healthCmd),
                    null);
            TaskSpec task = new TaskSpec(
                    container,
                    null,
                    null,
                    new Placement(constraints.stream().map(Constraint::parse).toList(), List.of(), 0),
                    networks.stream().map(NetworkAttachmentConfig::of).toList());
            UpdateConfig update = new UpdateConfig(
                    parallelism == null ? 1 : parallelism,
                    delay == null ? null : Durations.parse("--update-delay", delay),
                    null,
                    null,
                    0,
                    null);
            ServiceSpec spec = new ServiceSpec(
                    name, keyValues("--label", labels), task, m, update, null, new EndpointSpec(null, ports));
            JsonNode created = root.client().post("/services", Map.of(), spec);
            String id = created.path("id").asText();
            root.out.println(id);
            if (!detach) {
                Progress.await(root, id, created.path("version").asLong());
            }
        }
    }

    static Map<String, String> keyValues(String option, List<String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            out.put(eq < 0 ? v : v.substring(0, eq), eq < 0 ? "" : v.substring(eq + 1));
        }
        return out;
    }

    // ---- ls ----

    @Command(name = "ls", description = "List services")
    static final class Ls implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Mixin
        Output output;

        @Option(
                names = {"-f", "--filter"},
                description = "name=PREFIX, id=PREFIX or mode=replicated|global")
        List<String> filters = new ArrayList<>();

        @Override
        public void run() {
            ApiClient api = parent.root.client();
            List<Service> services = new ArrayList<>();
            api.get("/services").forEach(n -> services.add(ApiClient.as(n, Service.class)));
            Tasks tasks = Tasks.read(api.get("/tasks"));
            Map<String, Long> running = new HashMap<>();
            Map<String, Long> globalDesired = new HashMap<>();
            for (Tasks.Entry e : tasks.all()) {
                if (e.task().desiredState() == TaskState.RUNNING) {
                    globalDesired.merge(e.task().serviceId(), 1L, Long::sum);
                    if (e.status().state() == TaskState.RUNNING) {
                        running.merge(e.task().serviceId(), 1L, Long::sum);
                    }
                }
            }
            Map<String, String> f = keyValues("--filter", filters);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Service s : services) {
                String mode = s.spec().mode().global() ? "global" : "replicated";
                if ((f.containsKey("name") && !s.name().startsWith(f.get("name")))
                        || (f.containsKey("id") && !s.id().startsWith(f.get("id")))
                        || (f.containsKey("mode") && !mode.equals(f.get("mode")))) {
                    continue;
                }
                long desired = s.spec().mode().global()
                        ? globalDesired.getOrDefault(s.id(), 0L)
                        : s.spec().mode().replicas();
                List<String> ports = (s.endpoint().ports().isEmpty()
                                ? s.spec().endpoint().ports()
                                : s.endpoint().ports())
                        .stream().map(ServiceCommand::portText).toList();
                rows.add(Output.row(
                        "ID",
                        output.id(s.id()),
                        "NAME",
                        s.name(),
                        "MODE",
                        mode,
                        "REPLICAS",
                        running.getOrDefault(s.id(), 0L) + "/" + desired,
                        "IMAGE",
                        s.spec().task().container().image(),
                        "PORTS",
                        ports));
            }
            output.print(parent.root.out, List.of("ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"), rows);
        }
    }

    // ---- ps ----

    @Command(name = "ps", description = "List the tasks of a service")
    static final class Ps implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Mixin
        Output output;

        @Option(
                names = {"-f", "--filter"},
                description = "desired-state=running|shutdown")
        List<String> filters = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "SERVICE")
        String service;

        @Override
        public void run() {
            ApiClient api = parent.root.client();
            Service s = fetch(api, service);
            Tasks tasks = Tasks.read(api.get("/tasks", Map.of("service", s.id())));
            Map<String, String> hostnames = new HashMap<>();
            api.get("/nodes").forEach(n -> {
                Node node = ApiClient.as(n, Node.class);
                hostnames.put(node.id(), node.description().hostname());
            });
            Map<String, String> f = keyValues("--filter", filters);
            List<Tasks.Entry> entries = new ArrayList<>(tasks.all());
            entries.sort(Comparator.comparing((Tasks.Entry e) -> e.task().slot())
                    .thenComparing(e -> e.task().nodeId())
                    .thenComparing(e -> e.task().meta().createdAt(), Comparator.reverseOrder()));
            List<Map<String, Object>> rows = new ArrayList<>();
            Instant now = Instant.now();
            for (Tasks.Entry e : entries) {
                if (f.containsKey("desired-state")
                        && !e.task().desiredState().json().equals(f.get("desired-state"))) {
                    continue;
                }
                String slot = e.task().slot() > 0
                        ? Integer.toString(e.task().slot())
                        : e.task().nodeId();
                rows.add(Output.row(
                        "ID", taskId(e.task().id()),
                        "NAME", s.name() + "." + slot,
                        "IMAGE", e.task().spec().container().image(),
                        "NODE",
                                hostnames.getOrDefault(
                                        e.task().nodeId(), e.task().nodeId()),
                        "DESIRED STATE", title(e.task().desiredState().json()),
                        "CURRENT STATE",
                                title(e.status().state().json()) + " "
                                        + ago(e.status().timestamp(), now),
                        "ERROR", e.status().error()));
            }
            output.print(
                    parent.root.out,
                    List.of("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR"),
                    rows);
        }

        /** Task ids are {@code <service id>.<slot>.<n>}: shorten the service part like an id. */
        private String taskId(String id) {
            int dot = id.indexOf('.');
            return dot < 0 ? output.id(id) : output.id(id.substring(0, dot)) + id.substring(dot);
        }
    }

    static String title(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    static String ago(Instant then, Instant now) {
        long s = Math.max(0, Duration.between(then, now).getSeconds());
        if (s < 1) {
            return "less than a second ago";
        }
        if (s < 60) {
            return s + (s == 1 ? " second ago" : " seconds ago");
        }
        if (s < 3600) {
            return s / 60 + (s / 60 == 1 ? " minute ago" : " minutes ago");
        }
        return s / 3600 + (s / 3600 == 1 ? " hour ago" : " hours ago");
    }

    // ---- inspect ----

    @Command(name = "inspect", description = "Show services as JSON")
    static final class Inspect implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        @Override
        public void run() {
            ApiClient api = parent.root.client();
            ArrayNode out = Json.mapper().createArrayNode();
            for (String s : services) {
                out.add(api.get("/services/" + s));
            }
            parent.root.out.println(out.toPrettyString());
        }
    }

    // ---- scale ----

    @Command(name = "scale", description = "Scale services: SERVICE=REPLICAS...")
    static final class Scale implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Option(
                names = {"-d", "--detach"},
                description = "Do not wait for the services to converge")
        boolean detach;

        @Parameters(arity = "1..*", paramLabel = "SERVICE=REPLICAS")
        List<String> pairs;

        @Override
        public void run() {
            Map<String, Long> wanted = new LinkedHashMap<>();
            for (String p : pairs) {
                int eq = p.indexOf('=');
                try {
                    wanted.put(p.substring(0, eq), Long.parseLong(p.substring(eq + 1)));
                } catch (RuntimeException e) {
                    throw new Shoal.UsageError("'" + p + "' must be SERVICE=REPLICAS");
                }
            }
            Shoal root = parent.root;
            for (Map.Entry<String, Long> w : wanted.entrySet()) {
                Service s = fetch(root.client(), w.getKey());
                if (s.spec().mode().global()) {
                    throw new IllegalArgumentException(
                            "scale can only be used with replicated mode (" + s.name() + ")");
                }
                long version = update(root, s, s.spec().withReplicas(w.getValue()));
                root.out.println(s.name() + " scaled to " + w.getValue());
                if (!detach) {
                    Progress.await(root, s.id(), version);
                }
            }
        }
    }

    // ---- update ----

    @Command(name = "update", description = "Update a service")
    static final class Update implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Option(names = "--image", description = "New image")
        String image;

        @Option(names = "--replicas", description = "New number of tasks")
        Long replicas;

        @Option(names = "--env-add", description = "Add or replace an environment variable")
        List<String> envAdd = new ArrayList<>();

        @Option(names = "--env-rm", description = "Remove an environment variable")
        List<String> envRm = new ArrayList<>();

        @Option(names = "--publish-add", description = "Add a published port (same forms as create's --publish)")
        List<String> publishAdd = new ArrayList<>();

        @Option(names = "--publish-rm", description = "Remove a port by its target port")
        List<Integer> publishRm = new ArrayList<>();

        @Option(names = "--constraint-add", description = "Add a placement constraint")
        List<String> constraintAdd = new ArrayList<>();

        @Option(names = "--constraint-rm", description = "Remove a placement constraint")
        List<String> constraintRm = new ArrayList<>();

        @Option(names = "--update-parallelism", description = "Tasks updated at once (0 = all)")
        Long parallelism;

        @Option(names = "--update-delay", description = "Delay between update batches")
        String delay;

        @Option(names = "--update-order", description = "stop-first or start-first")
        String order;

        @Option(names = "--update-failure-action", description = "pause, continue or rollback")
        String failureAction;

        @Option(names = "--update-monitor", description = "How long a new task is watched for failure")
        String monitor;

        @Option(names = "--update-max-failure-ratio", description = "Failures tolerated (0 to 1)")
        Double maxFailureRatio;

        @Option(names = "--force", description = "Replace every task even if nothing changed (rolling)")
        boolean force;

        @Option(
                names = {"-d", "--detach"},
                description = "Do not wait for the service to converge")
        boolean detach;

        @Parameters(index = "0", paramLabel = "SERVICE")
        String service;

        @Override
        public void run() {
            Shoal root = parent.root;
            FailureAction action = null;
            UpdateOrder updateOrder = null;
            try {
                action = failureAction == null ? null : FailureAction.parse(failureAction);
                updateOrder = order == null ? null : UpdateOrder.parse(order);
            } catch (IllegalArgumentException e) {
                throw new Shoal.UsageError(e.getMessage());
            }
            if (maxFailureRatio != null && (maxFailureRatio < 0 || maxFailureRatio > 1)) {
                throw new Shoal.UsageError("--update-max-failure-ratio: " + maxFailureRatio + " is not within 0..1");
            }
            Service s = fetch(root.client(), service);
            ServiceSpec spec = s.spec();
            ContainerSpec c = spec.task().container();
            if (image != null) {
                c = c.withImage(image);
            }
            if (!envAdd.isEmpty() || !envRm.isEmpty()) {
                Map<String, String> env = new LinkedHashMap<>();
                for (String e : c.env()) {
                    env.put(e.contains("=") ? e.substring(0, e.indexOf('=')) : e, e);
                }
                envRm.forEach(env::remove);
                for (String e : envAdd) {
                    env.put(e.contains("=") ? e.substring(0, e.indexOf('=')) : e, e);
                }
                c = c.withEnv(new ArrayList<>(env.values()));
            }
            TaskSpec task = spec.task().withContainer(c);
            if (!constraintAdd.isEmpty() || !constraintRm.isEmpty()) {
                List<Constraint> cs = new ArrayList<>(task.placement().constraints());
                constraintRm.forEach(x -> cs.remove(Constraint.parse(x)));
                constraintAdd.forEach(x -> cs.add(Constraint.parse(x)));
                task = task.withPlacement(new Placement(
                        cs, task.placement().preferences(), task.placement().maxReplicasPerNode()));
            }
            if (force) {
                task = task.forced();
            }
            spec = spec.withTask(task);
            if (replicas != null) {
                if (spec.mode().global()) {
                    throw new IllegalArgumentException("--replicas: " + s.name() + " is a global service");
                }
                spec = spec.withReplicas(replicas);
            }
            if (!publishAdd.isEmpty() || !publishRm.isEmpty()) {
                List<PortConfig> ports = new ArrayList<>(spec.endpoint().ports());
                ports.removeIf(p -> publishRm.contains(p.targetPort()));
                publishAdd.forEach(p -> ports.add(port(p)));
                spec = spec.withEndpoint(new EndpointSpec(spec.endpoint().mode(), ports));
            }
            if (parallelism != null
                    || delay != null
                    || action != null
                    || monitor != null
                    || maxFailureRatio != null
                    || updateOrder != null) {
                UpdateConfig u = spec.update();
                spec = spec.withUpdate(new UpdateConfig(
                        parallelism == null ? u.parallelism() : parallelism,
                        delay == null ? u.delay() : Durations.parse("--update-delay", delay),
                        action == null ? u.failureAction() : action,
                        monitor == null ? u.monitor() : Durations.parse("--update-monitor", monitor),
                        maxFailureRatio == null ? u.maxFailureRatio() : maxFailureRatio,
                        updateOrder == null ? u.order() : updateOrder));
            }
            long version = update(root, s, spec);
            root.out.println(s.name());
            if (!detach) {
                Progress.await(root, s.id(), version);
            }
        }
    }

    // ---- rollback ----

    @Command(name = "rollback", description = "Revert a service to its previous spec")
    static final class Rollback implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Option(
                names = {"-d", "--detach"},
                description = "Do not wait for the service to converge")
        boolean detach;

        @Parameters(index = "0", paramLabel = "SERVICE")
        String service;

        @Override
        public void run() {
            Shoal root = parent.root;
            Service s = fetch(root.client(), service);
            long version = root.client()
                    .post(
                            "/services/" + s.id() + "/update",
                            Map.of("version", Long.toString(s.meta().version()), "rollback", "previous"),
                            null)
                    .path("version")
                    .asLong();
            root.out.println(s.name());
            if (!detach) {
                Progress.await(root, s.id(), version);
            }
        }
    }

    // ---- rm ----

    @Command(name = "rm", description = "Remove services")
    static final class Rm implements Runnable {
        @ParentCommand
        ServiceCommand parent;

        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        @Override
        public void run() {
            for (String s : services) {
                parent.root.client().delete("/services/" + s);
                parent.root.out.println(s);
            }
        }
    }
}
