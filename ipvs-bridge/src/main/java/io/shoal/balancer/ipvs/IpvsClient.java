package io.shoal.balancer.ipvs;

import io.shoal.netlink.NetlinkException;
import io.shoal.netlink.codec.MessageBuilder;
import io.shoal.netlink.genl.GenericNetlink;
import io.shoal.netlink.genl.GenlFamily;
import io.shoal.netlink.ns.NetNs;
import io.shoal.netlink.socket.NetlinkSocket;
import io.shoal.netlink.socket.Request;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Talks to one namespace's IPVS through generic netlink: dumps services and destinations, reads
 * and sets timeouts, and sends each change as one acknowledged request, or many changes packed into
 * datagrams ({@link #applyAll}). Not thread-safe beyond what {@link NetlinkSocket} serialises.
 */
public final class IpvsClient implements IpvsBatchOperations, Closeable {
    private final GenericNetlink genl;
    private final GenlFamily family;
    private final IpvsMessages messages;

    private IpvsClient(GenericNetlink genl) {
        this.genl = genl;
        try {
            this.family = genl.requireFamily(IpVsH.IPVS_GENL_NAME);
        } catch (RuntimeException e) {
            genl.close();
            throw e;
        }
        this.messages = new IpvsMessages(family.id());
    }

    /**
     * A client for the calling thread's namespace.
     *
     * @throws NetlinkException with {@code ENOENT} when this kernel has no IPVS
     */
    public static IpvsClient open() {
        return new IpvsClient(GenericNetlink.open());
    }

    /** A client for {@code namespace}; its socket stays there. */
    public static IpvsClient open(NetNs namespace) {
        return new IpvsClient(GenericNetlink.open(Objects.requireNonNull(namespace, "namespace")));
    }

    /** The resolved family (its id is the message type of every request). */
    public GenlFamily family() {
        return family;
    }

    /** Every service and its destinations, as the kernel holds them now. */
    public IpvsTable dump() {
        List<IpvsService> services = socket().dump(
                        messages.dumpServices(),
                        "IPVS_CMD_GET_SERVICE dump",
                        (m, out) -> out.add(IpvsReplies.service(m)));
        List<IpvsTable.Entry> entries = new ArrayList<>(services.size());
        for (IpvsService s : services) {
            int af = s.key().family();
            List<IpvsDestination> dests = socket().dump(
                            messages.dumpDests(s.key()),
                            "IPVS_CMD_GET_DEST dump of " + s.key(),
                            (m, out) -> out.add(IpvsReplies.destination(m, af)));
            entries.add(IpvsTable.Entry.of(s, dests));
        }
        return IpvsTable.of(entries);
    }

    /** The namespace's timeouts. */
    public IpvsConfig config() {
        return single(
                socket().query(messages.getConfig(), "IPVS_CMD_GET_CONFIG", (m, out) -> out.add(IpvsReplies.config(m))),
                "IPVS_CMD_GET_CONFIG");
    }

    /** Version and connection table size. */
    public IpvsInfo info() {
        return single(
                socket().query(messages.getInfo(), "IPVS_CMD_GET_INFO", (m, out) -> out.add(IpvsReplies.info(m))),
                "IPVS_CMD_GET_INFO");
    }

    /** Removes every service of the namespace. */
    public void flush() {
        socket().execute(messages.flush(), "IPVS_CMD_FLUSH");
    }

    @Override
    public void newService(IpvsService service) {
        socket().execute(messages.newService(service), "IPVS_CMD_NEW_SERVICE " + service);
    }

    @Override
    public void setService(IpvsService service) {
        socket().execute(messages.setService(service), "IPVS_CMD_SET_SERVICE " + service);
    }

    @Override
    public void delService(IpvsServiceKey key) {
        socket().execute(messages.delService(key), "IPVS_CMD_DEL_SERVICE " + key);
    }

    @Override
    public void newDest(IpvsServiceKey service, IpvsDestination dest) {
        socket().execute(messages.newDest(service, dest), "IPVS_CMD_NEW_DEST " + service + " -> " + dest);
    }

    @Override
    public void setDest(IpvsServiceKey service, IpvsDestination dest) {
        socket().execute(messages.setDest(service, dest), "IPVS_CMD_SET_DEST " + service + " -> " + dest);
    }

    @Override
    public void delDest(IpvsServiceKey service, IpvsDestination.Key dest) {
        socket().execute(messages.delDest(service, dest), "IPVS_CMD_DEL_DEST " + service + " -> " + dest);
    }

    @Override
    public void setConfig(IpvsConfig config) {
        socket().execute(messages.setConfig(config), "IPVS_CMD_SET_CONFIG " + config);
    }

    /**
     * Sends the steps packed into datagrams ({@link NetlinkSocket#executeAll}: one {@code sendto}
     * per 64 requests instead of one per request), each acknowledged on its own.
     */
    @Override
    public SortedMap<Integer, RuntimeException> applyAll(List<IpvsChange> steps) {
        List<Request> requests = new ArrayList<>(steps.size());
        Recorder recorder = new Recorder(requests);
        for (IpvsChange step : steps) {
            int before = requests.size();
            step.applyTo(recorder);
            if (requests.size() != before + 1) {
                throw new IllegalArgumentException(
                        "a batched step must be one request, \"" + step + "\" is " + (requests.size() - before));
            }
        }
        return new TreeMap<>(socket().executeAll(requests).failures());
    }

    /** Records the request each operation would send instead of sending it. */
    private final class Recorder implements IpvsOperations {
        private final List<Request> out;

        Recorder(List<Request> out) {
            this.out = out;
        }

        private void add(MessageBuilder m, String what) {
            out.add(new Request(m, what));
        }

        @Override
        public void newService(IpvsService service) {
            add(messages.newService(service), "IPVS_CMD_NEW_SERVICE " + service);
        }

        @Override
        public void setService(IpvsService service) {
            add(messages.setService(service), "IPVS_CMD_SET_SERVICE " + service);
        }

        @Override
        public void delService(IpvsServiceKey key) {
            add(messages.delService(key), "IPVS_CMD_DEL_SERVICE " + key);
        }

        @Override
        public void newDest(IpvsServiceKey service, IpvsDestination dest) {
            add(messages.newDest(service, dest), "IPVS_CMD_NEW_DEST " + service + " -> " + dest);
        }

        @Override
        public void setDest(IpvsServiceKey service, IpvsDestination dest) {
            add(messages.setDest(service, dest), "IPVS_CMD_SET_DEST " + service + " -> " + dest);
        }

        @Override
        public void delDest(IpvsServiceKey service, IpvsDestination.Key dest) {
            add(messages.delDest(service, dest), "IPVS_CMD_DEL_DEST " + service + " -> " + dest);
        }

        @Override
        public void setConfig(IpvsConfig config) {
            add(messages.setConfig(config), "IPVS_CMD_SET_CONFIG " + config);
        }
    }

    private NetlinkSocket socket() {
        return genl.socket();
    }

    private static <T> T single(List<T> replies, String what) {
        if (replies.size() != 1) {
            throw new IllegalStateException(what + " expected one reply, got " + replies.size());
        }
        return replies.get(0);
    }

    @Override
    public void close() {
        genl.close();
    }
}
