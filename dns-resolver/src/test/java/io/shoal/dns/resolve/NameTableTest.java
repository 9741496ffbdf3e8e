package io.shoal.dns.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shoal.dns.testing.Dns;
import io.shoal.dns.wire.ParsedQuery;
import io.shoal.dns.wire.QueryParser;
import io.shoal.dns.wire.UnreadableQueryException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

class NameTableTest {
    private final ParsedQuery reused = new ParsedQuery();

    @Test
    void everyKeyIsFoundByTheBytesOfAQuestionAndNothingElse() throws Exception {
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            names.put("svc-" + i + ".net", i);
        }
        // "aan" and "ac0" have the same hash: colliding keys must still be told apart.
        names.put("aan", -1);
        names.put("ac0", -2);
        NameTable<Integer> table = new NameTable<>(names);

        for (int i = 0; i < 3000; i++) {
            assertThat(table.get(parse("SVC-" + i + ".Net"))).isEqualTo(i);
        }
        assertThat(parse("aan").nameHash()).isEqualTo(parse("ac0").nameHash());
        assertThat(table.get(parse("aan"))).isEqualTo(-1);
        assertThat(table.get(parse("AC0"))).isEqualTo(-2);
        assertThat(table.get(parse("svc-3000.net"))).isNull();
        assertThat(table.get(parse("svc-1.ne"))).isNull();
        assertThat(table.get(parse("svc-1.net.x"))).isNull();
        assertThat(new NameTable<Integer>(Map.of()).get(parse("anything"))).isNull();
    }

    @Test
    void aReusedParsedQueryKeepsNothingOfThePreviousQuery() throws Exception {
        ParsedQuery longName = parse("a-rather-long-name.of-a-service.on-some-network");
        assertThat(longName.name()).isEqualTo("a-rather-long-name.of-a-service.on-some-network");
        ParsedQuery shortName = parse("web");
        assertThat(shortName).isSameAs(longName);
        assertThat(shortName.name()).isEqualTo("web");
        assertThat(shortName.nameLength()).isEqualTo(3);
        assertThat(shortName.nameHash()).isEqualTo("web".hashCode());
        assertThat(shortName.nameEquals("web".getBytes())).isTrue();
        assertThat(shortName.nameEquals("we".getBytes())).isFalse();
        assertThat(shortName.nameEndsWith("eb".getBytes())).isTrue();
        assertThat(shortName.nameEndsWith("xweb".getBytes())).isFalse();
    }

    private ParsedQuery parse(String name) throws UnreadableQueryException {
        ByteBuf b = Unpooled.wrappedBuffer(Dns.query(name, Type.A));
        try {
            return QueryParser.parse(b, reused);
        } finally {
            b.release();
        }
    }
}
