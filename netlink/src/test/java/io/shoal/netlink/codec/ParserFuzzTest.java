package io.shoal.netlink.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.netlink.uapi.IfLinkH;
import io.shoal.netlink.uapi.NetlinkH;
import io.shoal.netlink.uapi.RtnetlinkH;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Feeds 100,000 random and mutated messages to the parser and every decoder: the only failure
 * allowed is {@link MalformedMessageException}; no other exception, no hang.
 */
class ParserFuzzTest {
    private static final int ROUNDS = 100_000;

    @Test
    void randomAndMutatedMessagesOnlyEverThrowMalformedMessageException() {
        long seed = Long.getLong("shoal.fuzz.seed", 20261123L);
        Random random = new Random(seed);
        byte[][] seeds = seedMessages();
        int parsed = 0;
        int rejected = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int round = 0; round < ROUNDS; round++) {
            byte[] input = round % 4 == 0 ? randomBytes(random) : mutate(seeds[random.nextInt(seeds.length)], random);
            try {
                decodeEverything(input);
                parsed++;
            } catch (MalformedMessageException expected) {
                assertThat(expected.getMessage()).contains("expected");
                rejected++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(
                        "seed " + seed + " round " + round + " input " + Hex.of(input) + " threw " + e, e);
            }
            assertThat(System.nanoTime()).as("fuzzing must not hang").isLessThan(deadline);
        }
        assertThat(parsed + rejected).isEqualTo(ROUNDS);
        // Both outcomes must occur, or the mutations are not exercising the parser.
        assertThat(parsed).isGreaterThan(1000);
        assertThat(rejected).isGreaterThan(1000);
    }

    private static void decodeEverything(byte[] input) {
        for (NetlinkMessage m : MessageParser.parse(input)) {
            switch (m.type()) {
                case NetlinkH.NLMSG_ERROR -> m.error();
                case NetlinkH.NLMSG_DONE -> m.doneStatus();
                case RtnetlinkH.RTM_NEWLINK -> {
                    IfInfoMsg.decode(m);
                    walk(m.attributes(IfInfoMsg.SIZE, "ifinfomsg"), 0);
                }
                case RtnetlinkH.RTM_NEWADDR -> {
                    IfAddrMsg.decode(m);
                    walk(m.attributes(IfAddrMsg.SIZE, "ifaddrmsg"), 0);
                }
                case RtnetlinkH.RTM_NEWROUTE -> {
                    RtMsg.decode(m);
                    walk(m.attributes(RtMsg.SIZE, "rtmsg"), 0);
                }
                case RtnetlinkH.RTM_NEWNEIGH -> {
                    NdMsg.decode(m);
                    walk(m.attributes(NdMsg.SIZE, "ndmsg"), 0);
                }
                default -> {
                    GenlMsgHdr.decode(m);
                    walk(m.attributes(GenlMsgHdr.SIZE, "genlmsghdr"), 0);
                }
            }
        }
    }

    private static void walk(Attributes attributes, int depth) {
        for (Attribute a : attributes.list()) {
            a.string();
            a.bytes();
            tolerate(a::u8);
            tolerate(a::u16);
            tolerate(a::u16Be);
            tolerate(a::u32);
            tolerate(a::u32Be);
            tolerate(a::u64);
            tolerate(a::address);
            if (depth < 4 && (a.nestedFlag() || a.payloadLength() >= 4)) {
                try {
                    walk(a.nested(), depth + 1);
                } catch (MalformedMessageException notNested) {
                    // Most non-nested payloads are not attribute lists; that is the typed outcome.
                }
            }
        }
    }

    private static void tolerate(Runnable accessor) {
        try {
            accessor.run();
        } catch (MalformedMessageException wrongSize) {
            // A typed rejection of a size mismatch is the expected outcome.
        }
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(160)];
        random.nextBytes(bytes);
        if (bytes.length >= 4 && random.nextBoolean()) {
            // A plausible length field gets the parser past the first check more often.
            int length = random.nextInt(bytes.length + 8);
            bytes[0] = (byte) length;
            bytes[1] = (byte) (length >>> 8);
            bytes[2] = 0;
            bytes[3] = 0;
        }
        return bytes;
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] bytes = Arrays.copyOf(seed, seed.length);
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            switch (random.nextInt(5)) {
                case 0 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                case 1 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                case 2 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                case 3 -> bytes = Arrays.copyOf(bytes, bytes.length + random.nextInt(12));
                default -> {
                    // Rewrite one 16-bit length-looking field near an attribute boundary.
                    int at = random.nextInt(Math.max(1, bytes.length / 4)) * 4;
                    if (at + 1 < bytes.length) {
                        int v = random.nextInt(80);
                        bytes[at] = (byte) v;
                        bytes[at + 1] = 0;
                    }
                }
            }
            if (bytes.length == 0) {
                break;
            }
        }
        return bytes;
    }

    private static byte[][] seedMessages() {
        var link = new MessageBuilder().begin(RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_MULTI);
        new IfInfoMsg(0, 1, 3, 1, 0).encode(link);
        link.putString(IfLinkH.IFLA_IFNAME, "vx0").putU32(IfLinkH.IFLA_MTU, 1450);
        int info = link.beginNested(IfLinkH.IFLA_LINKINFO);
        link.putString(IfLinkH.IFLA_INFO_KIND, "vxlan");
        int data = link.beginNested(IfLinkH.IFLA_INFO_DATA);
        link.putU32(IfLinkH.IFLA_VXLAN_ID, 42).putU16Be(IfLinkH.IFLA_VXLAN_PORT, 4789);
        link.putBytes(IfLinkH.IFLA_VXLAN_LOCAL, new byte[] {(byte) 198, 18, 0, 1});
        link.endNested(data).endNested(info);

        var addr = new MessageBuilder().begin(RtnetlinkH.RTM_NEWADDR, 0);
        new IfAddrMsg(2, 16, 0, 0, 3).encode(addr);
        addr.putBytes(2, new byte[] {(byte) 198, 18, 0, 2});

        var route = new MessageBuilder().begin(RtnetlinkH.RTM_NEWROUTE, 0);
        new RtMsg(2, 0, 0, 0, 254, 4, 0, 1, 0).encode(route);
        route.putBytes(RtnetlinkH.RTA_GATEWAY, new byte[] {(byte) 198, 18, 0, 1})
                .putU32(RtnetlinkH.RTA_OIF, 3);

        var neigh = new MessageBuilder().begin(RtnetlinkH.RTM_NEWNEIGH, 0);
        new NdMsg(7, 3, 0x80, 2, 0).encode(neigh);
        neigh.putBytes(2, new byte[6]).putBytes(1, new byte[] {(byte) 198, 18, 0, 9});

        var genl = new MessageBuilder().begin(0x10, 0);
        new GenlMsgHdr(1, 2).encode(genl);
        genl.putString(2, "nlctrl").putU16(1, 0x10);
        int groups = genl.beginNested(7);
        int group = genl.beginNested(1);
        genl.putString(1, "notify").putU32(2, 0x10);
        genl.endNested(group).endNested(groups);

        byte[] error = Hex.bytes("2c000000 0200 0003 05000000 00000000" + "eaffffff"
                + "20000000 1000 0500 05000000 00000000" + "0800 0100 62616400");
        byte[] done = Hex.bytes("14000000 0300 0200 07000000 00000000 00000000");
        byte[] linkBytes = MessageBuilderTest.bytesOf(link.finish());
        byte[] twoMessages = Arrays.copyOf(linkBytes, linkBytes.length + done.length);
        System.arraycopy(done, 0, twoMessages, linkBytes.length, done.length);
        return new byte[][] {
            linkBytes,
            MessageBuilderTest.bytesOf(addr.finish()),
            MessageBuilderTest.bytesOf(route.finish()),
            MessageBuilderTest.bytesOf(neigh.finish()),
            MessageBuilderTest.bytesOf(genl.finish()),
            error,
            done,
            twoMessages
        };
    }
}
