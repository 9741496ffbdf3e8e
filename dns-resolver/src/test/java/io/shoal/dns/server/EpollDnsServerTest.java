package io.shoal.dns.server;

import io.shoal.dns.transport.Transport;

/** The server behaviour suite on the EPOLL transport. */
class EpollDnsServerTest extends DnsServerBehaviour {
    @Override
    Transport transport() {
        return Transport.EPOLL;
    }
}
