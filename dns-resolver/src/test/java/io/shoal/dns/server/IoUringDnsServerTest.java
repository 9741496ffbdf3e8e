package io.shoal.dns.server;

import io.shoal.dns.transport.Transport;

/** The server behaviour suite on the IO_URING transport. */
class IoUringDnsServerTest extends DnsServerBehaviour {
    @Override
    Transport transport() {
        return Transport.IO_URING;
    }
}
