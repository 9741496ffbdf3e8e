package io.shoal.dns.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** Builds queries and reads answers with dnsjava, a codec independent of Shoal's own. */
public final class Dns {
    private Dns() {}

    public static byte[] query(String name, int type) {
        return query(name, type, DClass.IN, -1);
    }

    /** A query for {@code name}; {@code ednsPayload >= 0} adds an OPT record advertising it. */
    public static byte[] query(String name, int type, int dclass, int ednsPayload) {
        try {
            Message m = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, dclass));
            if (ednsPayload >= 0) {
                m.addRecord(new OPTRecord(ednsPayload, 0, 0), Section.ADDITIONAL);
            }
            return m.toWire();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Message parse(byte[] wire) {
        try {
            return new Message(wire);
        } catch (IOException e) {
            throw new AssertionError("Shoal's answer is not valid DNS: " + e.getMessage(), e);
        }
    }

    /** The addresses of the A and AAAA answers, in answer order, as text. */
    public static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream()
                .map(r -> r instanceof ARecord a
                        ? a.getAddress().getHostAddress()
                        : r instanceof AAAARecord aaaa ? aaaa.getAddress().getHostAddress() : "not-an-address:" + r)
                .collect(Collectors.toList());
    }
}
