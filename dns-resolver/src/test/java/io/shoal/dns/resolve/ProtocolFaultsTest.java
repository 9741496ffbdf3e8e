package io.shoal.dns.resolve;

import static io.shoal.dns.testing.Fixtures.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.dns.testing.Dns;
import io.shoal.dns.testing.Fixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Protocol faults become protocol answers: FORMERR, NOTIMP, BADVERS, or a silent drop. */
class ProtocolFaultsTest {
    private static final DnsScope SCOPE = DnsScope.of(FRONT);
    private final ResponderHarness dns = new ResponderHarness(Fixtures.table());

    @Test
    void packetShorterThanAHeaderIsDropped() {
        assertThat(dns.udp(new byte[] {1, 2, 3}, SCOPE).outcome()).isEqualTo(DnsResponder.Outcome.DROPPED);
        assertThat(dns.udp(new byte[0], SCOPE).outcome()).isEqualTo(DnsResponder.Outcome.DROPPED);
        assertThat(dns.metrics.droppedCount()).isEqualTo(2);
    }

    @Test
    void responsesSentToTheServerAreDropped() {
        byte[] q = Dns.query("web", Type.A);
        q[2] |= (byte) 0x80;
        assertThat(dns.udp(q, SCOPE).outcome()).isEqualTo(DnsResponder.Outcome.DROPPED);
    }

    @Test
    void twoQuestionsAreFormerrWithTheQueryId() {
        byte[] q = Dns.query("web", Type.A);
        q[5] = 2;
        Message m = dns.udp(q, SCOPE).message();
        assertThat(m.getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(m.getHeader().getID()).isEqualTo(((q[0] & 0xFF) << 8) | (q[1] & 0xFF));
        assertThat(m.getSection(Section.QUESTION)).isEmpty();
    }

    @Test
    void noQuestionIsFormerr() {
        byte[] header = new byte[12];
        header[0] = 0x12;
        header[1] = 0x34;
        Message m = dns.udp(header, SCOPE).message();
        assertThat(m.getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(m.getHeader().getID()).isEqualTo(0x1234);
    }

    @Test
    void nameCutShortIsFormerr() {
        byte[] q = Dns.query("web.front", Type.A);
        assertThat(dns.udp(Arrays.copyOf(q, 15), SCOPE).message().getRcode()).isEqualTo(Rcode.FORMERR);
        // Name complete but type and class missing.
        assertThat(dns.udp(Arrays.copyOf(q, 12 + 11), SCOPE).message().getRcode())
                .isEqualTo(Rcode.FORMERR);
    }

    @Test
    void compressionPointerInTheQuestionIsFormerr() {
        byte[] q = {0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xC0, 12, 0, 1, 0, 1};
        assertThat(dns.udp(q, SCOPE).message().getRcode()).isEqualTo(Rcode.FORMERR);
    }

    @Test
    void reservedLabelTypeIsFormerr() {
        byte[] q = {0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0x41, 'a', 0, 0, 1, 0, 1};
        assertThat(dns.udp(q, SCOPE).message().getRcode()).isEqualTo(Rcode.FORMERR);
    }

    @Test
    void nameLongerThan255BytesIsFormerr() {
        byte[] q = new byte[12 + 5 * 64 + 5];
        q[5] = 1;
        int pos = 12;
        for (int i = 0; i < 5; i++) {
            q[pos++] = 63;
            for (int j = 0; j < 63; j++) {
                q[pos++] = 'a';
            }
        }
        assertThat(dns.udp(q, SCOPE).message().getRcode()).isEqualTo(Rcode.FORMERR);
    }

    @Test
    void otherOpcodesAreNotImplemented() {
        byte[] q = Dns.query("web", Type.A);
        q[2] = (byte) ((q[2] & 0x87) | (4 << 3)); // NOTIFY
        Message m = dns.udp(q, SCOPE).message();
        assertThat(m.getRcode()).isEqualTo(Rcode.NOTIMP);
        assertThat(m.getHeader().getOpcode()).isEqualTo(4);
        assertThat(m.getQuestion().getName().toString()).isEqualTo("web.");
    }

    @Test
    void optAsTheQuestionTypeIsFormerr() {
        assertThat(dns.ask("web", Type.OPT, SCOPE).getRcode()).isEqualTo(Rcode.FORMERR);
    }

    @Test
    void twoOptRecordsAreFormerr() {
        byte[] q = Dns.query("web", Type.A, 1, 1232);
        byte[] opt = Arrays.copyOfRange(q, q.length - 11, q.length);
        byte[] twice = Arrays.copyOf(q, q.length + 11);
        System.arraycopy(opt, 0, twice, q.length, 11);
        twice[11] = 2;
        assertThat(dns.udp(twice, SCOPE).message().getRcode()).isEqualTo(Rcode.FORMERR);
    }

    @Test
    void unknownEdnsVersionIsBadvers() {
        byte[] q = Dns.query("web", Type.A, 1, 1232);
        q[q.length - 11 + 6] = 1; // version byte of the OPT ttl field
        Message m = dns.udp(q, SCOPE).message();
        assertThat(m.getRcode()).isEqualTo(Rcode.BADVERS);
        assertThat(m.getOPT()).isNotNull();
    }

    @Test
    void additionalRecordCutShortIsFormerr() {
        byte[] q = Dns.query("web", Type.A, 1, 1232);
        assertThat(dns.udp(Arrays.copyOf(q, q.length - 3), SCOPE).message().getRcode())
                .isEqualTo(Rcode.FORMERR);
    }

    @Test
    void bigAnswerWithoutEdnsIsTruncatedAtWholeRecordsWithin512Bytes() {
        ResponderHarness.Reply reply = dns.udp(Dns.query("big", Type.A), SCOPE);
        assertThat(reply.wire().length).isLessThanOrEqualTo(512);
        Message m = reply.message();
        assertThat(m.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(m.getQuestion().getName().toString()).isEqualTo("big.");
        // 12 header + 9 question, 16 bytes per A record with a compressed name.
        assertThat(Dns.addresses(m)).hasSize((512 - 12 - 9) / 16).doesNotHaveDuplicates();
        assertThat(dns.metrics.truncatedCount()).isEqualTo(1);
    }

    @Test
    void ednsRaisesTheLimitUpToTheServerCapAndKeepsOpt() {
        ResponderHarness.Reply reply = dns.udp(Dns.query("big", Type.A, 1, 4096), SCOPE);
        assertThat(reply.wire().length).isLessThanOrEqualTo(1232);
        Message m = reply.message();
        assertThat(m.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(m.getOPT()).isNotNull();
        assertThat(m.getOPT().getPayloadSize()).isEqualTo(1232);
        assertThat(Dns.addresses(m)).hasSize((1232 - 12 - 9 - 11) / 16);

        Message small = dns.udp(Dns.query("big", Type.A, 1, 800), SCOPE).message();
        assertThat(Dns.addresses(small)).hasSize((800 - 12 - 9 - 11) / 16);
    }

    @Test
    void ednsPayloadBelow512CountsAs512() {
        Message m = dns.udp(Dns.query("big", Type.A, 1, 100), SCOPE).message();
        assertThat(Dns.addresses(m)).hasSize((512 - 12 - 9 - 11) / 16);
    }

    @Test
    void tcpCarriesEveryAnswer() {
        ResponderHarness.Reply reply = dns.send(Dns.query("big", Type.A), SCOPE, true);
        Message m = reply.message();
        assertThat(m.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(Dns.addresses(m)).hasSize(Fixtures.BIG_TASKS).doesNotHaveDuplicates();
    }

    @Test
    void answerThatFitsIsNotTruncated() {
        Message m = dns.ask("db.back", Type.A, DnsScope.of(Fixtures.BACK));
        assertThat(m.getHeader().getFlag(Flags.TC)).isFalse();
    }
}
