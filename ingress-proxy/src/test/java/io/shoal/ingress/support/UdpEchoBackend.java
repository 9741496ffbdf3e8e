package io.shoal.ingress.support;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A UDP backend that answers each datagram with {@code <name>:<payload>} to its sender. */
public final class UdpEchoBackend implements AutoCloseable {
    private final DatagramSocket socket;
    private final Thread thread;

    public UdpEchoBackend(String name, InetAddress address, int port) throws IOException {
        socket = new DatagramSocket(null);
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(address, port));
        thread = new Thread(
                () -> {
                    byte[] buf = new byte[2048];
                    while (!socket.isClosed()) {
                        try {
                            DatagramPacket p = new DatagramPacket(buf, buf.length);
                            socket.receive(p);
                            byte[] reply = (name + ":"
                                            + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                                    .getBytes(StandardCharsets.UTF_8);
                            socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                        } catch (IOException e) {
                            return;
                        }
                    }
                },
                "udp-backend-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        socket.close();
    }
}
