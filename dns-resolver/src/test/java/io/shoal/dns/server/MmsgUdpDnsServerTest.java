package io.shoal.dns.server;

import io.shoal.dns.transport.Transport;

/**
 * The server behaviour suite with UDP on the batched loop ({@link UdpIo#MMSG}, the default here)
 * and TCP and forwarding on the epoll transport.
 */
class MmsgUdpDnsServerTest extends DnsServerBehaviour {
    @Override
    Transport transport() {
        return Transport.EPOLL;
    }

    @Override
    UdpIo udpIo() {
        return UdpIo.MMSG;
    }
}
