package io.shoal.controlplane.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.model.Cidr;
import io.shoal.model.ContainerSpec;
import io.shoal.model.EndpointMode;
import io.shoal.model.EndpointSpec;
import io.shoal.model.Meta;
import io.shoal.model.Network;
import io.shoal.model.NetworkAttachmentConfig;
import io.shoal.model.NetworkSpec;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import io.shoal.model.PublishMode;
import io.shoal.model.Service;
import io.shoal.model.ServiceEndpoint;
import io.shoal.model.ServiceSpec;
import io.shoal.model.Task;
import io.shoal.model.TaskSpec;
import io.shoal.model.TaskState;
import io.shoal.model.TaskStatus;
import io.shoal.model.VirtualIp;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceTablesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final List<Network> networks = new ArrayList<>();
    private final List<Service> services = new ArrayList<>();
    private final List<Task> tasks = new ArrayList<>();
    private final Map<String, TaskStatus> statuses = new HashMap<>();

    private Network network(String id, String name, int third, int vni) {
        Network n = Network.unallocated(Meta.created(id, T0), NetworkSpec.overlay(name))
                .withAllocation(vni, cidr("100.64." + third + ".0/24"), cidr("100.64." + third + ".1/24"));
        networks.add(n);
        return n;
    }

    private Service service(String id, ServiceSpec spec, Map<String, String> vips, PortConfig... ports) {
        List<VirtualIp> v = new ArrayList<>();
        vips.forEach((net, addr) -> v.add(new VirtualIp(net, cidr(addr))));
        Service s = Service.created(Meta.created(id, T0.plusSeconds(services.size())), spec)
                .withEndpoint(new ServiceEndpoint(List.of(ports), v));
        services.add(s);
        return s;
    }

    private static ServiceSpec spec(String name, NetworkAttachmentConfig... nets) {
        return ServiceSpec.replicated(name, "img", 3)
                .withTask(TaskSpec.of("img").withNetworks(List.of(nets)));
    }

    private Task task(String id, Service s, int slot, String node, TaskState desired, Map<String, String> addrs) {
        Map<String, Cidr> a = new HashMap<>();
        addrs.forEach((net, addr) -> a.put(net, cidr(addr)));
        Task t = new Task(
                Meta.created(id, T0),
                s.id(),
                0,
                slot,
                node,
                s.spec().task(),
                desired,
                TaskStatus.of(node.isEmpty() ? TaskState.PENDING : TaskState.ASSIGNED, T0, "x"),
                a);
        tasks.add(t);
        return t;
    }

    private void report(Task t, TaskState state) {
        statuses.put(t.id(), TaskStatus.of(state, T0.plusSeconds(1), "reported"));
    }

    private ServiceTable build() {
        return ServiceTables.build(7, networks, services, tasks, statuses);
    }

    private static Cidr cidr(String s) {
        return Cidr.parse("test", s);
    }

    private static InetAddress ip(String s) {
        return cidr(s + "/32").inetAddress();
    }

    private static TaskEndpoint endpoint(ServiceTable table, String service, String taskId) {
        return table.service(service).orElseThrow().tasks().stream()
                .filter(t -> t.taskId().equals(taskId))
                .findFirst()
                .orElse(null);
    }

    @Test
    void onlyTasksObservedRunningWithDesiredRunningAreReady() {
        network("n1", "front", 0, 4096);
        Service web = service("s1", spec("web", NetworkAttachmentConfig.of("n1")), Map.of("n1", "100.64.0.2/24"));
        Task running = task("t1", web, 1, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.3/24"));
        Task starting = task("t2", web, 2, "node2", TaskState.RUNNING, Map.of("n1", "100.64.0.4/24"));
        task("t3", web, 3, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.5/24")); // no report: ASSIGNED
        report(running, TaskState.RUNNING);
        report(starting, TaskState.STARTING);

        ServiceTable table = build();

        assertThat(table.version()).isEqualTo(7);
        ServiceEntry entry = table.service("web").orElseThrow();
        assertThat(entry.tasks()).extracting(TaskEndpoint::taskId).containsExactly("t1", "t2", "t3");
        assertThat(entry.readyTasks()).extracting(TaskEndpoint::taskId).containsExactly("t1");
        assertThat(entry.readyAddressesOn("n1")).containsExactly(ip("100.64.0.3"));
        TaskEndpoint t1 = endpoint(table, "web", "t1");
        assertThat(t1.nodeId()).isEqualTo("node1");
        assertThat(t1.slot()).isEqualTo(1);
        assertThat(t1.hostname()).isEqualTo("web.1.t1");
        assertThat(t1.addresses()).containsExactly(Map.entry("n1", ip("100.64.0.3")));
    }

    @Test
    void taskToldToShutDownLeavesTheEndpointsWhileStillRunning() {
        network("n1", "front", 0, 4096);
        Service web = service("s1", spec("web", NetworkAttachmentConfig.of("n1")), Map.of("n1", "100.64.0.2/24"));
        Task stopping = task("t1", web, 1, "node1", TaskState.SHUTDOWN, Map.of("n1", "100.64.0.3/24"));
        Task staying = task("t2", web, 2, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.4/24"));
        report(stopping, TaskState.RUNNING);
        report(staying, TaskState.RUNNING);

        ServiceTable table = build();

        assertThat(endpoint(table, "web", "t1")).isNotNull();
        assertThat(endpoint(table, "web", "t1").ready()).isFalse();
        assertThat(table.service("web").orElseThrow().readyAddressesOn("n1")).containsExactly(ip("100.64.0.4"));
    }

    @Test
    void terminalAndUnassignedTasksAreAbsent() {
        network("n1", "front", 0, 4096);
        Service web = service("s1", spec("web", NetworkAttachmentConfig.of("n1")), Map.of("n1", "100.64.0.2/24"));
        report(task("failed", web, 1, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.3/24")), TaskState.FAILED);
        report(task("done", web, 2, "node1", TaskState.SHUTDOWN, Map.of("n1", "100.64.0.4/24")), TaskState.SHUTDOWN);
        task("pending", web, 3, "", TaskState.RUNNING, Map.of("n1", "100.64.0.5/24"));
        Task live = task("live", web, 1, "node2", TaskState.RUNNING, Map.of("n1", "100.64.0.6/24"));
        report(live, TaskState.RUNNING);
        // A stale report that lags the task's own record does not bring a task back or forward.
        Task rejected = new Task(
                Meta.created("rejected", T0),
                web.id(),
                0,
                2,
                "node2",
                web.spec().task(),
                TaskState.RUNNING,
                TaskStatus.of(TaskState.REJECTED, T0, "no image"),
                Map.of());
        tasks.add(rejected);
        report(rejected, TaskState.ACCEPTED);

        ServiceTable table = build();

        assertThat(table.service("web").orElseThrow().tasks())
                .extracting(TaskEndpoint::taskId)
                .containsExactly("live");
        assertThat(table.owner(ip("100.64.0.3"))).isEmpty();
    }

    @Test
    void attachmentsGivenByNameOrIdAreKeyedByNetworkId() {
        network("n1", "front", 0, 4096);
        network("n2", "back", 1, 4097);
        ServiceSpec spec = spec(
                "api", NetworkAttachmentConfig.of("front", "gateway", "edge"), NetworkAttachmentConfig.of("n2", "rpc"));
        Service api = service("s1", spec, Map.of("n1", "100.64.0.2/24", "n2", "100.64.1.2/24"));
        report(
                task("t1", api, 1, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.3/24", "n2", "100.64.1.3/24")),
                TaskState.RUNNING);

        ServiceTable table = build();

        ServiceEntry entry = table.service("api").orElseThrow();
        assertThat(entry.aliases()).isEqualTo(Map.of("n1", Set.of("gateway", "edge"), "n2", Set.of("rpc")));
        assertThat(entry.vips()).isEqualTo(Map.of("n1", ip("100.64.0.2"), "n2", ip("100.64.1.2")));
        assertThat(table.serviceOn("gateway", "n1")).map(ServiceEntry::name).contains("api");
        assertThat(table.serviceOn("gateway", "n2")).isEmpty();
        assertThat(table.servicesOn("n2")).extracting(ServiceEntry::name).containsExactly("api");
    }

    @Test
    void dnsrrServiceHasNoVip() {
        network("n1", "front", 0, 4096);
        ServiceSpec spec = spec("db", NetworkAttachmentConfig.of("n1"))
                .withEndpoint(new EndpointSpec(EndpointMode.DNSRR, List.of()));
        Service db = service("s1", spec, Map.of());
        report(task("t1", db, 1, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.3/24")), TaskState.RUNNING);

        ServiceEntry entry = build().service("db").orElseThrow();

        assertThat(entry.endpointMode()).isEqualTo(EndpointMode.DNSRR);
        assertThat(entry.vips()).isEmpty();
        assertThat(entry.readyAddressesOn("n1")).containsExactly(ip("100.64.0.3"));
    }

    @Test
    void resolvedPublishedPortsAreKept() {
        network("n1", "front", 0, 4096);
        PortConfig explicit = PortConfig.ingress(8080, 80);
        PortConfig dynamic = new PortConfig("", Protocol.UDP, 53, 30001, PublishMode.INGRESS);
        PortConfig internal = new PortConfig("", Protocol.TCP, 9000, 0, PublishMode.INGRESS);
        service(
                "s1",
                spec("web", NetworkAttachmentConfig.of("n1")),
                Map.of("n1", "100.64.0.2/24"),
                explicit,
                dynamic,
                internal);

        ServiceTable table = build();

        assertThat(table.publishedPort(8080, Protocol.TCP))
                .map(p -> p.service().name() + ":" + p.port().targetPort())
                .contains("web:80");
        assertThat(table.publishedPort(30001, Protocol.UDP)).isPresent();
        assertThat(table.publishedPort(30001, Protocol.TCP)).isEmpty();
        assertThat(table.service("web").orElseThrow().ports()).containsExactly(explicit, dynamic, internal);
    }

    @Test
    void orphanTasksAndUnallocatedNetworksAreSkipped() {
        network("n1", "front", 0, 4096);
        Network pending = Network.unallocated(Meta.created("n9", T0), NetworkSpec.overlay("later"));
        networks.add(pending);
        Service web = service(
                "s1",
                spec("web", NetworkAttachmentConfig.of("n1"), NetworkAttachmentConfig.of("later", "x")),
                Map.of("n1", "100.64.0.2/24"));
        Task t = task("t1", web, 1, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.3/24"));
        report(t, TaskState.RUNNING);
        Task orphan = new Task(
                Meta.created("o1", T0),
                "gone",
                0,
                1,
                "node1",
                TaskSpec.of("img"),
                TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, T0, ""),
                Map.of("n1", cidr("100.64.0.9/24")));
        tasks.add(orphan);
        report(orphan, TaskState.RUNNING);

        ServiceTable table = build();

        assertThat(table.networks()).extracting(n -> n.name()).containsExactly("front");
        assertThat(table.network("later")).isEmpty();
        assertThat(table.service("web").orElseThrow().aliases()).isEmpty();
        assertThat(table.owner(ip("100.64.0.9"))).isEmpty();
        assertThat(table.services()).hasSize(1);
    }

    @Test
    void incoherentStoredStateDropsTheLaterClaimantInsteadOfThrowing() {
        network("n1", "front", 0, 4096);
        Service web = service(
                "s1",
                spec("web", NetworkAttachmentConfig.of("n1", "shared")),
                Map.of("n1", "100.64.0.2/24"),
                PortConfig.ingress(8080, 80));
        Service api = service(
                "s2",
                spec("api", NetworkAttachmentConfig.of("n1", "shared")),
                Map.of("n1", "100.64.0.10/24"),
                PortConfig.ingress(8080, 80),
                PortConfig.ingress(8081, 80));
        service("s3", spec("WEB", NetworkAttachmentConfig.of("n1")), Map.of("n1", "100.64.0.20/24"));
        // After a failover, a stopping task's address was handed to a new task of another service.
        Task stopping = task("old", web, 1, "node1", TaskState.SHUTDOWN, Map.of("n1", "100.64.0.3/24"));
        Task fresh = task("new", api, 1, "node2", TaskState.RUNNING, Map.of("n1", "100.64.0.3/24"));
        report(stopping, TaskState.RUNNING);
        report(fresh, TaskState.RUNNING);

        ServiceTable table = build();

        assertThat(table.services()).extracting(ServiceEntry::id).containsExactly("s1", "s2");
        assertThat(table.owner(ip("100.64.0.3")).orElseThrow().task().taskId()).isEqualTo("new");
        assertThat(table.service("web").orElseThrow().tasks()).isEmpty();
        assertThat(table.publishedPort(8080, Protocol.TCP)
                        .orElseThrow()
                        .service()
                        .name())
                .isEqualTo("web");
        assertThat(table.publishedPort(8081, Protocol.TCP)
                        .orElseThrow()
                        .service()
                        .name())
                .isEqualTo("api");
        assertThat(table.serviceOn("shared", "n1")).map(ServiceEntry::name).contains("web");
    }

    @Test
    void containerHostnameWinsOverTheSwarmStyleDefault() {
        network("n1", "front", 0, 4096);
        ServiceSpec spec = spec("web", NetworkAttachmentConfig.of("n1"));
        spec = spec.withTask(
                spec.task().withContainer(new ContainerSpec("img", null, null, null, "box", null, null, null, null)));
        Service web = service("s1", spec, Map.of("n1", "100.64.0.2/24"));
        task("t1", web, 1, "node1", TaskState.RUNNING, Map.of("n1", "100.64.0.3/24"));
        Service global = service(
                "s2",
                ServiceSpec.global("agent", "img")
                        .withTask(TaskSpec.of("img").withNetworks(List.of(NetworkAttachmentConfig.of("n1")))),
                Map.of("n1", "100.64.0.4/24"));
        task("g1", global, 0, "node7", TaskState.RUNNING, Map.of("n1", "100.64.0.5/24"));

        ServiceTable table = build();

        assertThat(endpoint(table, "web", "t1").hostname()).isEqualTo("box");
        assertThat(endpoint(table, "agent", "g1").hostname()).isEqualTo("agent.node7.g1");
    }
}
