package io.shoal.dns.server;

import io.shoal.dns.transport.Transport;

/** The server behaviour suite on the EPOLL transport (UDP by its datagram channel). */
class EpollDnsServerTest extends DnsServerBehaviour {
    @Override
    Transport transport() {
        return Transport.EPOLL;
    }
}
