package io.shoal.vxlan;

import static io.shoal.vxlan.PureLogicTest.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shoal.netlink.route.MacAddress;
import io.shoal.vxlan.RemotePlan.FdbTarget;
import java.net.Inet4Address;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RemotePlanTest {
    static final Inet4Address H2 = ip("198.18.0.2");
    static final Inet4Address H3 = ip("198.18.0.3");

    static Remote remote(String ip, Inet4Address vtep) {
        return Remote.of(ip(ip), vtep);
    }

    static Map<Inet4Address, MacAddress> neighboursOf(Set<Remote> remotes) {
        Map<Inet4Address, MacAddress> m = new HashMap<>();
        remotes.forEach(r -> m.put(r.ip(), r.mac()));
        return m;
    }

    static Set<FdbTarget> fdbOf(Set<Remote> remotes) {
        Set<FdbTarget> s = new HashSet<>();
        remotes.forEach(r -> s.add(new FdbTarget(r.mac(), r.vtep())));
        return s;
    }

    @Test
    void fromNothingEverythingIsAdded() {
        Set<Remote> desired = Set.of(remote("100.64.1.2", H2), remote("100.64.1.3", H3));
        RemotePlan plan = RemotePlan.between(Map.of(), Set.of(), desired);
        assertThat(plan.neighboursToAdd()).isEqualTo(neighboursOf(desired));
        assertThat(plan.fdbToAdd()).isEqualTo(fdbOf(desired));
        assertThat(plan.neighboursToRemove()).isEmpty();
        assertThat(plan.fdbToRemove()).isEmpty();
        assertThat(plan.size()).isEqualTo(4);
    }

    @Test
    void programmedAsDesiredNeedsNothing() {
        Set<Remote> desired = Set.of(remote("100.64.1.2", H2), remote("100.64.1.3", H3));
        RemotePlan plan = RemotePlan.between(neighboursOf(desired), fdbOf(desired), desired);
        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.size()).isZero();
    }

    @Test
    void staleRemotesAreRemovedAndMissingAdded() {
        Set<Remote> programmed = Set.of(remote("100.64.1.2", H2), remote("100.64.1.9", H3));
        Set<Remote> desired = Set.of(remote("100.64.1.2", H2), remote("100.64.1.3", H3));
        RemotePlan plan = RemotePlan.between(neighboursOf(programmed), fdbOf(programmed), desired);
        assertThat(plan.neighboursToRemove()).containsOnlyKeys(ip("100.64.1.9"));
        assertThat(plan.fdbToRemove()).containsExactly(new FdbTarget(Macs.fromIp(ip("100.64.1.9")), H3));
        assertThat(plan.neighboursToAdd()).containsOnlyKeys(ip("100.64.1.3"));
        assertThat(plan.fdbToAdd()).containsExactly(new FdbTarget(Macs.fromIp(ip("100.64.1.3")), H3));
    }

    @Test
    void aRemoteThatMovedHostsChangesOnlyItsFdbEntry() {
        Set<Remote> programmed = Set.of(remote("100.64.1.2", H2));
        Set<Remote> desired = Set.of(remote("100.64.1.2", H3));
        RemotePlan plan = RemotePlan.between(neighboursOf(programmed), fdbOf(programmed), desired);
        assertThat(plan.neighboursToRemove()).isEmpty();
        assertThat(plan.neighboursToAdd()).isEmpty();
        MacAddress mac = Macs.fromIp(ip("100.64.1.2"));
        assertThat(plan.fdbToRemove()).containsExactly(new FdbTarget(mac, H2));
        assertThat(plan.fdbToAdd()).containsExactly(new FdbTarget(mac, H3));
    }

    @Test
    void aHalfProgrammedRemoteGetsItsMissingEntry() {
        Remote r = remote("100.64.1.2", H2);
        RemotePlan plan = RemotePlan.between(neighboursOf(Set.of(r)), Set.of(), Set.of(r));
        assertThat(plan.neighboursToAdd()).isEmpty();
        assertThat(plan.fdbToAdd()).containsExactly(new FdbTarget(r.mac(), H2));
    }

    @Test
    void aNewMacForAnIpReplacesTheNeighbour() {
        Inet4Address a = ip("100.64.1.2");
        MacAddress other = MacAddress.parse("02:00:00:00:00:01");
        RemotePlan plan =
                RemotePlan.between(Map.of(a, other), Set.of(new FdbTarget(other, H2)), Set.of(Remote.of(a, H2)));
        assertThat(plan.neighboursToRemove()).containsEntry(a, other);
        assertThat(plan.neighboursToAdd()).containsEntry(a, Macs.fromIp(a));
        assertThat(plan.fdbToRemove()).containsExactly(new FdbTarget(other, H2));
    }

    @Test
    void contradictoryDesiredRemotesAreRefused() {
        Inet4Address a = ip("100.64.1.2");
        assertThatThrownBy(() -> RemotePlan.between(
                        Map.of(),
                        Set.of(),
                        Set.of(Remote.of(a, H2), new Remote(a, MacAddress.parse("02:00:00:00:00:01"), H2))))
                .hasMessageContaining("ip 100.64.1.2 given twice");
        MacAddress m = MacAddress.parse("02:00:00:00:00:01");
        assertThatThrownBy(() -> RemotePlan.between(
                        Map.of(), Set.of(), Set.of(new Remote(a, m, H2), new Remote(ip("100.64.1.3"), m, H3))))
                .hasMessageContaining("given twice, behind");
    }
}
