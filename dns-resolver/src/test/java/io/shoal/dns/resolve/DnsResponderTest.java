package io.shoal.dns.resolve;

import static io.shoal.dns.testing.Fixtures.BACK;
import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import io.shoal.model.EndpointMode;
import io.shoal.model.table.ServiceEntry;
import io.shoal.model.table.ServiceTable;
import io.shoal.model.table.TaskEndpoint;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class DnsResponderTest {
    private static final DnsScope ON_FRONT = DnsScope.of(FRONT);
    private static final DnsScope ON_BACK = DnsScope.of(BACK);

    private final ResponderHarness dns = new ResponderHarness(Fixtures.table());

    @Test
    void serviceNameResolvesToItsVipInVipMode() {
        Message m = dns.ask("web", Type.A, ON_FRONT);
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(Dns.addresses(m)).containsExactly("100.64.0.2");
    }

    @Test
    void dnsrrServiceResolvesToEveryReadyTaskOnly() {
        assertThat(Dns.addresses(dns.ask("db", Type.A, ON_BACK))).containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
    }

    @Test
    void tasksNameGivesEveryReadyTaskEvenInVipMode() {
        assertThat(Dns.addresses(dns.ask("tasks.web", Type.A, ON_FRONT)))
                .containsExactlyInAnyOrder("100.64.0.3", "100.64.0.5");
        assertThat(Dns.addresses(dns.ask("tasks.web.front", Type.A, ON_FRONT)))
                .containsExactlyInAnyOrder("100.64.0.3", "100.64.0.5");
    }

    @Test
    void serviceQualifiedByNetworkResolvesOnThatNetwork() {
        DnsScope both = DnsScope.of(FRONT, BACK);
        assertThat(Dns.addresses(dns.ask("api.back", Type.A, both))).containsExactly("100.64.1.10");
        assertThat(Dns.addresses(dns.ask("api.front", Type.A, both))).containsExactly("100.64.0.10");
        assertThat(Dns.addresses(dns.ask("db.back", Type.A, both)))
                .containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
    }

    @Test
    void firstNetworkOfTheScopeWinsForBareNames() {
        assertThat(Dns.addresses(dns.ask("api", Type.A, DnsScope.of(BACK, FRONT))))
                .containsExactly("100.64.1.10");
        assertThat(Dns.addresses(dns.ask("api", Type.A, DnsScope.of(FRONT, BACK))))
                .containsExactly("100.64.0.10");
    }

    @Test
    void namesAreCaseInsensitiveAndTheQuestionKeepsTheClientsCase() {
        Message m = dns.ask("TaSkS.WeB.FrOnT", Type.A, ON_FRONT);
        assertThat(Dns.addresses(m)).containsExactlyInAnyOrder("100.64.0.3", "100.64.0.5");
        assertThat(m.getQuestion().getName().toString()).isEqualTo("TaSkS.WeB.FrOnT.");
        assertThat(m.getSection(Section.ANSWER).get(0).getName().toString()).isEqualTo("TaSkS.WeB.FrOnT.");
    }

    @Test
    void networkAliasResolvesLikeTheServiceOnlyOnItsNetwork() {
        assertThat(Dns.addresses(dns.ask("www", Type.A, ON_FRONT))).containsExactly("100.64.0.2");
        assertThat(Dns.addresses(dns.ask("WWW.front", Type.A, ON_FRONT))).containsExactly("100.64.0.2");
        assertThat(Dns.addresses(dns.ask("tasks.www", Type.A, ON_FRONT)))
                .containsExactlyInAnyOrder("100.64.0.3", "100.64.0.5");
        assertThat(dns.udp(Dns.query("www", Type.A), ON_BACK).outcome()).isEqualTo(DnsResponder.Outcome.FORWARD);
    }

    @Test
    void taskNamesAndHostnamesResolveToTheirTask() {
        assertThat(Dns.addresses(dns.ask("web.1.t1", Type.A, ON_FRONT))).containsExactly("100.64.0.3");
        assertThat(Dns.addresses(dns.ask("web.3.t3.front", Type.A, ON_FRONT))).containsExactly("100.64.0.5");
        assertThat(Dns.addresses(dns.ask("host-t1", Type.A, ON_FRONT))).containsExactly("100.64.0.3");
        assertThat(Dns.addresses(dns.ask("host-t1.front", Type.A, ON_FRONT))).containsExactly("100.64.0.3");
        // A global service's task has slot 0: its name carries the node id instead.
        assertThat(Dns.addresses(dns.ask("mon.node-a.m1", Type.A, ON_FRONT))).containsExactly("100.64.0.21");
    }

    @Test
    void notReadyTaskHasNoLocalName() {
        assertThat(dns.udp(Dns.query("web.2.t2", Type.A), ON_FRONT).outcome()).isEqualTo(DnsResponder.Outcome.FORWARD);
        assertThat(dns.udp(Dns.query("host-t2", Type.A), ON_FRONT).outcome()).isEqualTo(DnsResponder.Outcome.FORWARD);
    }

    @Test
    void serviceOnAnotherNetworkDoesNotResolve() {
        for (String name : List.of("db", "db.back", "tasks.db", "db.1.d1", "host-d1")) {
            assertThat(dns.udp(Dns.query(name, Type.A), ON_FRONT).outcome())
                    .as(name)
                    .isEqualTo(DnsResponder.Outcome.FORWARD);
        }
        assertThat(dns.udp(Dns.query("web", Type.A), DnsScope.of()).outcome()).isEqualTo(DnsResponder.Outcome.FORWARD);
    }

    @Test
    void severalAnswersComeInADifferentOrderAcrossQueries() {
        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            List<String> answer = Dns.addresses(dns.ask("tasks.db", Type.A, ON_BACK));
            assertThat(answer).containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
            orders.add(answer);
        }
        // Two addresses: both orders show up in 20 queries unless the shuffle is broken (p = 2^-19).
        assertThat(orders).hasSize(2);
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            firsts.add(Dns.addresses(udpBig(DnsScope.of(FRONT))).get(0));
        }
        assertThat(firsts.size()).isGreaterThan(10);
    }

    private Message udpBig(DnsScope scope) {
        return dns.send(Dns.query("big", Type.A), scope, true).message();
    }

    @Test
    void aaaaForAKnownNameWithoutIpv6IsNoDataAndNotForwarded() {
        for (String name : List.of("web", "tasks.db", "www", "web.1.t1")) {
            DnsScope scope = name.contains("db") ? ON_BACK : ON_FRONT;
            ResponderHarness.Reply reply = dns.udp(Dns.query(name, Type.AAAA), scope);
            assertThat(reply.outcome()).as(name).isEqualTo(DnsResponder.Outcome.REPLIED);
            assertThat(reply.message().getRcode()).as(name).isEqualTo(Rcode.NOERROR);
            assertThat(reply.message().getSection(Section.ANSWER)).as(name).isEmpty();
        }
    }

    @Test
    void otherTypesForKnownNamesAreNoData() {
        for (int type : new int[] {Type.MX, Type.TXT, Type.CNAME, Type.PTR}) {
            Message m = dns.ask("web", type, ON_FRONT);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(m.getSection(Section.ANSWER)).as(Type.string(type)).isEmpty();
        }
    }

    @Test
    void ipv6TaskAddressesAnswerAaaa() {
        ServiceEntry six = new ServiceEntry(
                "s6",
                "six",
                EndpointMode.DNSRR,
                null,
                null,
                null,
                List.of(new TaskEndpoint("x1", 1, "node-1", "", Map.of(FRONT, Fixtures.ip("::1")), true)));
        ResponderHarness h = new ResponderHarness(new ServiceTable(2, Fixtures.networks(), List.of(six)));
        assertThat(Dns.addresses(h.ask("six", Type.AAAA, ON_FRONT))).containsExactly("0:0:0:0:0:0:0:1");
        assertThat(h.ask("six", Type.A, ON_FRONT).getSection(Section.ANSWER)).isEmpty();
        Message ptr =
                h.ask("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa", Type.PTR, ON_FRONT);
        assertThat(((PTRRecord) ptr.getSection(Section.ANSWER).get(0))
                        .getTarget()
                        .toString())
                .isEqualTo("six.1.x1.front.");
    }

    @Test
    void ptrAnswersForVipsAndTasks() {
        assertThat(ptr("2.0.64.100.in-addr.arpa", ON_FRONT)).isEqualTo("web.front.");
        assertThat(ptr("3.0.64.100.in-addr.arpa", ON_FRONT)).isEqualTo("web.1.t1.front.");
        assertThat(ptr("10.1.64.100.in-addr.arpa", DnsScope.of(FRONT, BACK))).isEqualTo("api.back.");
        assertThat(ptr("21.0.64.100.in-addr.arpa", ON_FRONT)).isEqualTo("mon.node-a.m1.front.");
        // An address the table knows but on a network the asker is not on is not told.
        assertThat(dns.udp(Dns.query("3.1.64.100.in-addr.arpa", Type.PTR), ON_FRONT)
                        .outcome())
                .isEqualTo(DnsResponder.Outcome.FORWARD);
        assertThat(dns.udp(Dns.query("99.9.64.100.in-addr.arpa", Type.PTR), ON_FRONT)
                        .outcome())
                .isEqualTo(DnsResponder.Outcome.FORWARD);
    }

    private String ptr(String name, DnsScope scope) {
        Message m = dns.ask(name, Type.PTR, scope);
        List<Record> answers = m.getSection(Section.ANSWER);
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).getTTL()).isIn(1L, 5L);
        return ((PTRRecord) answers.get(0)).getTarget().toString();
    }

    @Test
    void srvOfAServicePortByNameOrNumberPointsAtTheVipWithGlue() {
        for (String name : List.of("_http._tcp.web", "_8080._tcp.web", "_80._tcp.web", "_HTTP._TCP.web.front")) {
            Message m = dns.ask(name, Type.SRV, ON_FRONT);
            List<Record> answers = m.getSection(Section.ANSWER);
            assertThat(answers).as(name).hasSize(1);
            SRVRecord srv = (SRVRecord) answers.get(0);
            assertThat(srv.getPort()).isEqualTo(80);
            assertThat(srv.getTarget().toString()).isEqualTo("web.front.");
            assertThat(m.getSection(Section.ADDITIONAL))
                    .anySatisfy(r -> assertThat(r.rdataToString()).isEqualTo("100.64.0.2"));
        }
        assertThat(dns.udp(Dns.query("_http._udp.web", Type.SRV), ON_FRONT).outcome())
                .isEqualTo(DnsResponder.Outcome.FORWARD);
    }

    @Test
    void srvOfADnsrrServiceListsEveryReadyTask() {
        Message m = dns.ask("_5432._tcp.db", Type.SRV, ON_BACK);
        assertThat(m.getSection(Section.ANSWER))
                .extracting(r -> ((SRVRecord) r).getTarget().toString())
                .containsExactlyInAnyOrder("db.1.d1.back.", "db.2.d2.back.");
        assertThat(m.getSection(Section.ADDITIONAL))
                .filteredOn(r -> r.getType() == Type.A)
                .extracting(Record::rdataToString)
                .containsExactlyInAnyOrder("100.64.1.3", "100.64.1.4");
        // The SRV targets themselves resolve.
        assertThat(Dns.addresses(dns.ask("db.1.d1.back", Type.A, ON_BACK))).containsExactly("100.64.1.3");
    }

    @Test
    void ttlsAreTheConfiguredOnes() {
        ResponderHarness h =
                new ResponderHarness(Fixtures.table(), new DnsTtls(Duration.ofSeconds(7), Duration.ofSeconds(2)), 1232);
        assertThat(h.ask("web", Type.A, ON_FRONT)
                        .getSection(Section.ANSWER)
                        .get(0)
                        .getTTL())
                .isEqualTo(7);
        assertThat(h.ask("tasks.web", Type.A, ON_FRONT).getSection(Section.ANSWER))
                .allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(2));
        assertThat(h.ask("db", Type.A, ON_BACK).getSection(Section.ANSWER))
                .allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(2));
        assertThat(dns.ask("web", Type.A, ON_FRONT)
                        .getSection(Section.ANSWER)
                        .get(0)
                        .getTTL())
                .isEqualTo(5);
        assertThat(dns.ask("db", Type.A, ON_BACK)
                        .getSection(Section.ANSWER)
                        .get(0)
                        .getTTL())
                .isEqualTo(1);
    }

    @Test
    void zoneTransfersAreRefused() {
        assertThat(dns.ask("web", Type.AXFR, ON_FRONT).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(dns.ask("example.test", Type.IXFR, ON_FRONT).getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void classesOtherThanInAreRefused() {
        Message m = dns.udp(Dns.query("version.bind", Type.TXT, DClass.CH, -1), ON_FRONT)
                .message();
        assertThat(m.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(m.getQuestion().getName().toString()).isEqualTo("version.bind.");
    }

    @Test
    void mailTypesAreNotImplemented() {
        assertThat(dns.ask("web", Type.MAILA, ON_FRONT).getRcode()).isEqualTo(Rcode.NOTIMP);
    }

    @Test
    void anyGetsTheAddressesOnlyAsRfc8482Allows() {
        Message m = dns.ask("web", Type.ANY, ON_FRONT);
        assertThat(Dns.addresses(m)).containsExactly("100.64.0.2");
        assertThat(dns.udp(Dns.query("unknown.test", Type.ANY), ON_FRONT).outcome())
                .isEqualTo(DnsResponder.Outcome.FORWARD);
    }

    @Test
    void unknownNamesAreForwarded() {
        for (String name : List.of("example.test", "webx", "tasks", "tasks.nope", "web.nope", "front")) {
            assertThat(dns.udp(Dns.query(name, Type.A), ON_FRONT).outcome())
                    .as(name)
                    .isEqualTo(DnsResponder.Outcome.FORWARD);
        }
    }

    @Test
    void aNewTableIsServedFromTheNextQuery() {
        assertThat(Dns.addresses(dns.ask("web", Type.A, ON_FRONT))).containsExactly("100.64.0.2");
        dns.resolver.update(new ServiceTable(2, Fixtures.networks(), List.of()));
        assertThat(dns.udp(Dns.query("web", Type.A), ON_FRONT).outcome()).isEqualTo(DnsResponder.Outcome.FORWARD);
        dns.resolver.update(Fixtures.table(3));
        assertThat(Dns.addresses(dns.ask("web", Type.A, ON_FRONT))).containsExactly("100.64.0.2");
        assertThat(dns.resolver.index().table().version()).isEqualTo(3);
    }

    @Test
    void metricsCountQueriesByTypeAndResponsesByRcode() {
        dns.ask("web", Type.A, ON_FRONT);
        dns.ask("web", Type.AAAA, ON_FRONT);
        dns.ask("web", Type.AXFR, ON_FRONT);
        dns.udp(Dns.query("nope.test", Type.A), ON_FRONT);
        assertThat(dns.metrics.queries("A")).isEqualTo(2);
        assertThat(dns.metrics.queries("AAAA")).isEqualTo(1);
        assertThat(dns.metrics.queries("OTHER")).isEqualTo(1);
        assertThat(dns.metrics.responses(Rcode.NOERROR)).isEqualTo(2);
        assertThat(dns.metrics.responses(Rcode.REFUSED)).isEqualTo(1);
        StringBuilder text = new StringBuilder();
        dns.metrics.writePrometheus(text);
        assertThat(text.toString())
                .contains("shoal_dns_queries_total{type=\"A\"} 2")
                .contains("shoal_dns_responses_total{rcode=\"REFUSED\"} 1")
                .contains("shoal_dns_truncated_total 0");
    }

    @Test
    void scopeRejectsEmptyNetworkIds() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DnsScope.of("n1", " "))
                .hasMessageContaining("empty network id");
    }
}
