package io.shoal.dns.server;

import io.shoal.dns.transport.Transport;

/** The server behaviour suite on the NIO transport. */
class NioDnsServerTest extends DnsServerBehaviour {
    @Override
    Transport transport() {
        return Transport.NIO;
    }
}
