package io.shoal.dns.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * A UDP "upstream" on loopback whose replies a test scripts: misbehaviour that a real resolver
 * cannot be made to show on demand (wrong ids, replies from elsewhere, SERVFAIL). Records the
 * source ports queries came from.
 */
public final class ScriptedUpstream implements AutoCloseable {
    private final DatagramSocket socket;
    private final Thread thread;
    private final Set<Integer> sourcePorts = ConcurrentHashMap.newKeySet();

    /** Replies with {@code script.accept(query, replyTo)}; use {@link #send} inside it. */
    public ScriptedUpstream(BiConsumer<Message, InetSocketAddress> script) throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        thread = new Thread(
                () -> {
                    byte[] buf = new byte[65535];
                    while (!socket.isClosed()) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        try {
                            socket.receive(p);
                            sourcePorts.add(p.getPort());
                            Message q = new Message(java.util.Arrays.copyOf(buf, p.getLength()));
                            script.accept(q, (InetSocketAddress) p.getSocketAddress());
                        } catch (IOException e) {
                            return;
                        }
                    }
                },
                "scripted-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public Set<Integer> sourcePorts() {
        return sourcePorts;
    }

    /** Sends {@code m} to {@code to} from this upstream's own socket. */
    public void send(Message m, InetSocketAddress to) {
        send(socket, m, to);
    }

    /** Sends {@code m} to {@code to} from any socket (to play a spoofer). */
    public static void send(DatagramSocket from, Message m, InetSocketAddress to) {
        byte[] wire = m.toWire();
        try {
            from.send(new DatagramPacket(wire, wire.length, to));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An answer to {@code q} with the given id, rcode and A records. */
    public static Message answer(Message q, int id, int rcode, List<String> addresses) {
        Message r = new Message(id);
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        r.getHeader().setRcode(rcode);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        for (String a : addresses) {
            try {
                r.addRecord(
                        new ARecord(q.getQuestion().getName(), DClass.IN, 60, InetAddress.getByName(a)),
                        Section.ANSWER);
            } catch (IOException e) {
                throw new IllegalArgumentException(a, e);
            }
        }
        return r;
    }

    public static Message answer(Message q, String address) {
        return answer(q, q.getHeader().getID(), Rcode.NOERROR, List.of(address));
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(2000);
    }
}
