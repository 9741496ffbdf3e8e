package io.shoal.balancer.ipvs;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Applies {@link IpvsOperations} to an in-memory table with the kernel's rules: adding what exists
 * is {@code EEXIST}, changing or deleting what does not is {@code ESRCH} (service) or
 * {@code ENOENT} (destination), as {@code ip_vs_ctl.c} answers. Used to check plans and their
 * rollback as pure logic, and by {@link IpvsBalancer} to keep the kernel's table without asking
 * it. Each operation changes one service in place (a table of 10,000 services is not copied per
 * step). Not final: tests override one operation to refuse it.
 */
public class IpvsTableEditor implements IpvsOperations {
    private final TreeMap<IpvsServiceKey, IpvsTable.Entry> entries;
    private final SortedMap<IpvsServiceKey, IpvsTable.Entry> view;
    private IpvsConfig config;

    public IpvsTableEditor(IpvsTable table, IpvsConfig config) {
        this.entries = new TreeMap<>(table.entries());
        this.view = Collections.unmodifiableSortedMap(entries);
        this.config = config;
    }

    /** A copy of the table after the operations so far. */
    public IpvsTable table() {
        return IpvsTable.of(List.copyOf(entries.values()));
    }

    /** The table after the operations so far, as a live read-only view (no copy). */
    public SortedMap<IpvsServiceKey, IpvsTable.Entry> entries() {
        return view;
    }

    /** The timeouts after the operations so far. */
    public IpvsConfig config() {
        return config;
    }

    @Override
    public void newService(IpvsService service) {
        if (entries.containsKey(service.key())) {
            throw refused("IPVS_CMD_NEW_SERVICE " + service.key(), Errno.EEXIST);
        }
        entries.put(service.key(), IpvsTable.Entry.of(service, List.of()));
    }

    @Override
    public void setService(IpvsService service) {
        IpvsTable.Entry e = require(service.key(), "IPVS_CMD_SET_SERVICE");
        entries.put(service.key(), new IpvsTable.Entry(service, e.destinations()));
    }

    @Override
    public void delService(IpvsServiceKey key) {
        require(key, "IPVS_CMD_DEL_SERVICE");
        entries.remove(key);
    }

    @Override
    public void newDest(IpvsServiceKey service, IpvsDestination dest) {
        IpvsTable.Entry e = require(service, "IPVS_CMD_NEW_DEST");
        if (e.destinations().containsKey(dest.key())) {
            throw refused("IPVS_CMD_NEW_DEST " + service + " -> " + dest.key(), Errno.EEXIST);
        }
        entries.put(service, e.with(dest));
    }

    @Override
    public void setDest(IpvsServiceKey service, IpvsDestination dest) {
        IpvsTable.Entry e = require(service, "IPVS_CMD_SET_DEST");
        if (!e.destinations().containsKey(dest.key())) {
            throw refused("IPVS_CMD_SET_DEST " + service + " -> " + dest.key(), Errno.ENOENT);
        }
        entries.put(service, e.with(dest));
    }

    @Override
    public void delDest(IpvsServiceKey service, IpvsDestination.Key dest) {
        IpvsTable.Entry e = require(service, "IPVS_CMD_DEL_DEST");
        if (!e.destinations().containsKey(dest)) {
            throw refused("IPVS_CMD_DEL_DEST " + service + " -> " + dest, Errno.ENOENT);
        }
        entries.put(service, e.without(dest));
    }

    @Override
    public void setConfig(IpvsConfig c) {
        config = new IpvsConfig(
                c.tcp() == 0 ? config.tcp() : c.tcp(),
                c.tcpFin() == 0 ? config.tcpFin() : c.tcpFin(),
                c.udp() == 0 ? config.udp() : c.udp());
    }

    private IpvsTable.Entry require(IpvsServiceKey key, String op) {
        IpvsTable.Entry e = entries.get(key);
        if (e == null) {
            throw refused(op + " " + key, Errno.ESRCH);
        }
        return e;
    }

    private static NetlinkException refused(String op, Errno errno) {
        return new NetlinkException(op, errno.code(), null);
    }
}
