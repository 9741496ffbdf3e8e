package io.shoal.model.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.model.EndpointMode;
import io.shoal.model.Json;
import io.shoal.model.PortConfig;
import io.shoal.model.Protocol;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceTableTest {
    private static final NetworkEntry FRONT = new NetworkEntry("n1", "front", 4097);
    private static final NetworkEntry BACK = new NetworkEntry("n2", "back", 4098);

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    static TaskEndpoint task(String id, int slot, String net, String ip, boolean ready) {
        return new TaskEndpoint(id, slot, "node-1", id, Map.of(net, ip(ip)), ready);
    }

    static ServiceEntry web() {
        return new ServiceEntry(
                "s1",
                "web",
                EndpointMode.VIP,
                Map.of("n1", ip("100.64.0.2")),
                Map.of("n1", Set.of("www")),
                List.of(PortConfig.ingress(8080, 80)),
                List.of(
                        task("t1", 1, "n1", "100.64.0.3", true),
                        task("t2", 2, "n1", "100.64.0.4", false),
                        task("t3", 3, "n1", "100.64.0.5", true)));
    }

    static ServiceEntry db() {
        return new ServiceEntry(
                "s2",
                "db",
                EndpointMode.DNSRR,
                Map.of(),
                Map.of(),
                List.of(),
                List.of(task("t9", 1, "n2", "100.64.1.3", true)));
    }

    @Test
    void servicesAreFoundByNameCaseInsensitively() {
        ServiceTable table = new ServiceTable(7, List.of(FRONT, BACK), List.of(web(), db()));
        assertThat(table.service("WEB")).map(ServiceEntry::id).contains("s1");
        assertThat(table.service("nope")).isEmpty();
        assertThat(table.network("front")).contains(FRONT);
        assertThat(table.network("n2")).contains(BACK);
    }

    @Test
    void serviceNameOrAliasResolvesOnlyOnItsNetworks() {
        ServiceTable table = new ServiceTable(1, List.of(FRONT, BACK), List.of(web(), db()));
        assertThat(table.serviceOn("web", "n1")).map(ServiceEntry::name).contains("web");
        assertThat(table.serviceOn("Www", "n1")).map(ServiceEntry::name).contains("web");
        assertThat(table.serviceOn("web", "n2")).isEmpty();
        assertThat(table.serviceOn("db", "n1")).isEmpty();
        assertThat(table.servicesOn("n2")).extracting(ServiceEntry::name).containsExactly("db");
    }

    @Test
    void onlyReadyTasksAreEndpoints() {
        assertThat(web().readyAddressesOn("n1")).containsExactly(ip("100.64.0.3"), ip("100.64.0.5"));
        assertThat(web().readyTasks()).extracting(TaskEndpoint::taskId).containsExactly("t1", "t3");
    }

    @Test
    void addressOwnerTellsVipFromTask() {
        ServiceTable table = new ServiceTable(1, List.of(FRONT, BACK), List.of(web(), db()));
        assertThat(table.owner(ip("100.64.0.2"))).hasValueSatisfying(o -> {
            assertThat(o.isVip()).isTrue();
            assertThat(o.service().name()).isEqualTo("web");
        });
        assertThat(table.owner(ip("100.64.0.4")))
                .hasValueSatisfying(o -> assertThat(o.task().taskId()).isEqualTo("t2"));
        assertThat(table.owner(ip("100.64.9.9"))).isEmpty();
    }

    @Test
    void publishedPortsAreIndexed() {
        ServiceTable table = new ServiceTable(1, List.of(FRONT, BACK), List.of(web(), db()));
        assertThat(table.publishedPort(8080, Protocol.TCP))
                .hasValueSatisfying(p -> assertThat(p.service().name()).isEqualTo("web"));
        assertThat(table.publishedPort(8080, Protocol.UDP)).isEmpty();
        assertThat(table.publishedPorts()).hasSize(1);
    }

    @Test
    void addressClaimedTwiceIsRefusedNamingBothOwners() {
        ServiceEntry clash =
                new ServiceEntry("s3", "api", EndpointMode.VIP, Map.of("n1", ip("100.64.0.3")), null, null, null);
        assertThatThrownBy(() -> new ServiceTable(1, List.of(FRONT), List.of(web(), clash)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("100.64.0.3")
                .hasMessageContaining("task t1 of web")
                .hasMessageContaining("the VIP of api");
    }

    @Test
    void publishedPortTakenTwiceIsRefused() {
        ServiceEntry other = new ServiceEntry(
                "s3", "api", EndpointMode.VIP, null, null, List.of(PortConfig.ingress(8080, 9000)), null);
        assertThatThrownBy(() -> new ServiceTable(1, List.of(FRONT), List.of(web(), other)))
                .hasMessageContaining("published port 8080/tcp is used by both web and api");
    }

    @Test
    void duplicateServiceNamesAreRefusedWhateverTheCase() {
        ServiceEntry upper = new ServiceEntry("s9", "WEB", EndpointMode.VIP, null, null, null, null);
        assertThatThrownBy(() -> new ServiceTable(1, List.of(FRONT), List.of(web(), upper)))
                .hasMessageContaining("service name 'web' appears twice");
    }

    @Test
    void jsonRoundTripKeepsEverything() throws Exception {
        ServiceTable table = new ServiceTable(42, List.of(FRONT, BACK), List.of(web(), db()));
        String json = Json.mapper().writeValueAsString(table);
        assertThat(json).contains("\"protocol\":\"tcp\"").contains("\"endpointMode\":\"dnsrr\"");
        ServiceTable back = Json.mapper().readValue(json, ServiceTable.class);
        assertThat(back.version()).isEqualTo(42);
        assertThat(back.services()).isEqualTo(table.services());
        assertThat(back.networks()).isEqualTo(table.networks());
        assertThat(back.owner(ip("100.64.1.3"))).isPresent();
    }

    @Test
    void emptyTableAnswersNothing() {
        assertThat(ServiceTable.empty().service("web")).isEmpty();
        assertThat(ServiceTable.empty().publishedPorts()).isEmpty();
    }

    @Test
    void networkVniIsChecked() {
        assertThatThrownBy(() -> new NetworkEntry("n", "x", 0)).hasMessageContaining("vni 0");
        assertThatThrownBy(() -> new NetworkEntry("n", " ", 5)).hasMessageContaining("network name");
    }
}
