package io.shoal.controlplane.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.model.Cidr;
import io.shoal.model.Protocol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AllocatorPartsTest {
    static Cidr cidr(String s) {
        return Cidr.parse("test", s);
    }

    @Test
    void subnetsAreCarvedInOrderAndSkipTakenOnes() {
        SubnetAllocator a = new SubnetAllocator(List.of(cidr("100.64.0.0/10")), 24);
        assertThat(a.allocate("n1", "one")).isEqualTo(cidr("100.64.0.0/24"));
        a.reserve("n2", "two", cidr("100.64.1.0/24"));
        assertThat(a.allocate("n3", "three")).isEqualTo(cidr("100.64.2.0/24"));
        a.reserve("n4", "big", cidr("100.64.4.0/22"));
        assertThat(a.allocate("n5", "five")).isEqualTo(cidr("100.64.3.0/24"));
        assertThat(a.allocate("n6", "six")).isEqualTo(cidr("100.64.8.0/24"));
        assertThat(a.allocate("n1", "one")).as("idempotent per network").isEqualTo(cidr("100.64.0.0/24"));
        a.release("n1");
        assertThat(a.allocate("n7", "seven")).isEqualTo(cidr("100.64.0.0/24"));
    }

    @Test
    void overlappingSubnetIsRefusedNamingBothNetworks() {
        SubnetAllocator a = new SubnetAllocator(List.of(cidr("100.64.0.0/10")), 24);
        a.reserve("n1", "front", cidr("100.64.0.0/16"));
        assertThatThrownBy(() -> a.reserve("n2", "back", cidr("100.64.3.0/24")))
                .isInstanceOf(AllocationException.class)
                .hasMessage("subnet 100.64.3.0/24 of network 'back' overlaps 100.64.0.0/16 of network 'front'");
        assertThatThrownBy(() -> a.reserve("n3", "wide", cidr("100.64.0.0/10")))
                .hasMessage("subnet 100.64.0.0/10 of network 'wide' overlaps 100.64.0.0/16 of network 'front'");
        assertThat(a.allocate("n4", "next")).isEqualTo(cidr("100.65.0.0/24"));
    }

    @Test
    void exhaustedPoolsSaySo() {
        SubnetAllocator a = new SubnetAllocator(List.of(cidr("100.64.0.0/23"), cidr("100.64.8.0/24")), 24);
        assertThat(List.of(a.allocate("1", "a"), a.allocate("2", "b"), a.allocate("3", "c")))
                .containsExactly(cidr("100.64.0.0/24"), cidr("100.64.1.0/24"), cidr("100.64.8.0/24"));
        assertThatThrownBy(() -> a.allocate("4", "d"))
                .hasMessage(
                        "network 'd': the default address pools [100.64.0.0/23, 100.64.8.0/24] have no free /24 left");
        assertThatThrownBy(() -> new SubnetAllocator(List.of(cidr("100.64.0.0/26")), 24))
                .hasMessage("subnetSize: /24 subnets do not fit in pool 100.64.0.0/26");
    }

    @Test
    void addressesSkipNetworkGatewayAndBroadcastAndAreNotReusedUntilTheRoundComesBack() {
        AddressPool pool = new AddressPool("back", cidr("100.64.0.0/29")); // hosts .1-.6, .1 gateway
        assertThat(pool.gateway()).isEqualTo(cidr("100.64.0.1/29"));
        List<Cidr> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            got.add(pool.allocate("t" + i));
        }
        assertThat(got)
                .extracting(Cidr::toString)
                .containsExactly("100.64.0.2/29", "100.64.0.3/29", "100.64.0.4/29", "100.64.0.5/29", "100.64.0.6/29");
        assertThatThrownBy(() -> pool.allocate("t9"))
                .hasMessage("network 'back': all 6 addresses of 100.64.0.0/29 are in use");
        pool.release(got.get(1));
        assertThat(pool.ownerOf(got.get(1))).isNull();
        assertThat(pool.allocate("t10")).isEqualTo(got.get(1));
        assertThatThrownBy(() -> pool.release(pool.gateway()))
                .hasMessage("network 'back': the gateway 100.64.0.1 is not released");
        assertThatThrownBy(() -> pool.reserve(cidr("100.64.0.3/29"), "other"))
                .hasMessage("network 'back': 100.64.0.3 is already used by t10, cannot give it to other");
        assertThatThrownBy(() -> pool.reserve(cidr("100.64.1.3/29"), "other"))
                .hasMessage("network 'back': 100.64.1.3 is outside subnet 100.64.0.0/29");
    }

    @Test
    void releasedAddressWaitsForTheCursorToComeRound() {
        AddressPool pool = new AddressPool("n", cidr("100.64.0.0/24"));
        Cidr first = pool.allocate("a");
        pool.release(first);
        Cidr second = pool.allocate("b");
        assertThat(second).isNotEqualTo(first);
        assertThat(second).isEqualTo(cidr("100.64.0.3/24"));
    }

    @Test
    void vnisStartAt4096AndAreUnique() {
        VniAllocator v = new VniAllocator(4096);
        assertThat(v.allocate("a")).isEqualTo(4096);
        assertThat(v.allocate("b")).isEqualTo(4097);
        v.reserve(4098, "c");
        assertThat(v.allocate("d")).isEqualTo(4099);
        assertThatThrownBy(() -> v.reserve(4096, "e"))
                .hasMessage("network 'e': vni 4096 is already used by network 'a'");
        v.release(4096);
        assertThat(v.reserve(4096, "e")).isEqualTo(4096);
    }

    @Test
    void publishedPortsAreExplicitOrDynamicAndConflictsNameTheHolder() {
        PortAllocator p = new PortAllocator(30000, 30002);
        assertThat(p.allocate("web", Protocol.TCP, 8080)).isEqualTo(8080);
        assertThatThrownBy(() -> p.allocate("api", Protocol.TCP, 8080))
                .hasMessage("service 'api': published port 8080/tcp is already used by service 'web'");
        assertThat(p.allocate("dns", Protocol.UDP, 8080))
                .as("udp is its own space")
                .isEqualTo(8080);
        assertThat(p.allocate("a", Protocol.TCP, 0)).isEqualTo(30000);
        assertThat(p.allocate("b", Protocol.TCP, 0)).isEqualTo(30001);
        assertThat(p.allocate("c", Protocol.TCP, 0)).isEqualTo(30002);
        assertThatThrownBy(() -> p.allocate("d", Protocol.TCP, 0))
                .hasMessage("service 'd': no free tcp port in 30000-30002");
        p.release("b", Protocol.TCP, 30001);
        assertThat(p.allocate("d", Protocol.TCP, 0)).isEqualTo(30001);
        p.release("someone-else", Protocol.TCP, 8080);
        assertThat(p.ownerOf(Protocol.TCP, 8080)).isEqualTo("web");
    }

    @Test
    void concurrentRequestsNeverGetTheSameAddressOrPort() throws Exception {
        AddressPool pool = new AddressPool("n", cidr("100.64.0.0/20"));
        PortAllocator ports = new PortAllocator(30000, 32767);
        int threads = 8;
        int each = 200;
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(exec.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(pool.allocate("t" + id + "-" + i).toString());
                        mine.add("port " + ports.allocate("s" + id + "-" + i, Protocol.TCP, 0));
                    }
                    return mine;
                }));
            }
            Set<String> all = new HashSet<>();
            int total = 0;
            for (Future<List<String>> f : futures) {
                List<String> mine = f.get();
                total += mine.size();
                all.addAll(mine);
            }
            assertThat(total).isEqualTo(threads * each * 2);
            assertThat(all).hasSize(total);
            assertThat(pool.inUse()).isEqualTo(threads * each + 1);
        } finally {
            exec.shutdownNow();
        }
    }
}
