package io.shoal.dns.server;

import io.shoal.dns.transport.Transport;

/**
 * The server behaviour suite with UDP on the selector loop ({@link UdpIo#SELECTOR}, the default)
 * and TCP and forwarding on the epoll transport.
 */
class SelectorUdpDnsServerTest extends DnsServerBehaviour {
    @Override
    Transport transport() {
        return Transport.EPOLL;
    }

    @Override
    UdpIo udpIo() {
        return UdpIo.SELECTOR;
    }
}
