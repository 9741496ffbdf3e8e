package io.shoal.balancer.ipvs;

import io.shoal.netlink.Errno;
import io.shoal.netlink.NetlinkException;

/**
 * Applies {@link IpvsOperations} to an in-memory table with the kernel's rules: adding what exists
 * is {@code EEXIST}, changing or deleting what does not is {@code ESRCH} (service) or
 * {@code ENOENT} (destination), as {@code ip_vs_ctl.c} answers. Used to check plans and their
 * rollback as pure logic. Not final: tests override one operation to refuse it.
 */
public class IpvsTableEditor implements IpvsOperations {
    private IpvsTable table;
    private IpvsConfig config;

    public IpvsTableEditor(IpvsTable table, IpvsConfig config) {
        this.table = table;
        this.config = config;
    }

    /** The table after the operations so far. */
    public IpvsTable table() {
        return table;
    }

    /** The timeouts after the operations so far. */
    public IpvsConfig config() {
        return config;
    }

    @Override
    public void newService(IpvsService service) {
        if (table.entries().containsKey(service.key())) {
            throw refused("IPVS_CMD_NEW_SERVICE " + service.key(), Errno.EEXIST);
        }
        table = table.with(IpvsTable.Entry.of(service, java.util.List.of()));
    }

    @Override
    public void setService(IpvsService service) {
        IpvsTable.Entry e = require(service.key(), "IPVS_CMD_SET_SERVICE");
        table = table.with(new IpvsTable.Entry(service, e.destinations()));
    }

    @Override
    public void delService(IpvsServiceKey key) {
        require(key, "IPVS_CMD_DEL_SERVICE");
        table = table.without(key);
    }

    @Override
    public void newDest(IpvsServiceKey service, IpvsDestination dest) {
        IpvsTable.Entry e = require(service, "IPVS_CMD_NEW_DEST");
        if (e.destinations().containsKey(dest.key())) {
            throw refused("IPVS_CMD_NEW_DEST " + service + " -> " + dest.key(), Errno.EEXIST);
        }
        table = table.with(e.with(dest));
    }

    @Override
    public void setDest(IpvsServiceKey service, IpvsDestination dest) {
        IpvsTable.Entry e = require(service, "IPVS_CMD_SET_DEST");
        if (!e.destinations().containsKey(dest.key())) {
            throw refused("IPVS_CMD_SET_DEST " + service + " -> " + dest.key(), Errno.ENOENT);
        }
        table = table.with(e.with(dest));
    }

    @Override
    public void delDest(IpvsServiceKey service, IpvsDestination.Key dest) {
        IpvsTable.Entry e = require(service, "IPVS_CMD_DEL_DEST");
        if (!e.destinations().containsKey(dest)) {
            throw refused("IPVS_CMD_DEL_DEST " + service + " -> " + dest, Errno.ENOENT);
        }
        table = table.with(e.without(dest));
    }

    @Override
    public void setConfig(IpvsConfig c) {
        config = new IpvsConfig(
                c.tcp() == 0 ? config.tcp() : c.tcp(),
                c.tcpFin() == 0 ? config.tcpFin() : c.tcpFin(),
                c.udp() == 0 ? config.udp() : c.udp());
    }

    private IpvsTable.Entry require(IpvsServiceKey key, String op) {
        IpvsTable.Entry e = table.entries().get(key);
        if (e == null) {
            throw refused(op + " " + key, Errno.ESRCH);
        }
        return e;
    }

    private static NetlinkException refused(String op, Errno errno) {
        return new NetlinkException(op, errno.code(), null);
    }
}
