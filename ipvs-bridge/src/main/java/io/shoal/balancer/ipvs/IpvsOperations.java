package io.shoal.balancer.ipvs;

/**
 * The IPVS changes a plan is made of, one kernel request each. {@link IpvsClient} sends them to a
 * namespace's kernel; {@link IpvsTableEditor} applies them to an in-memory {@link IpvsTable} (to
 * check plans and rollbacks without a kernel that has IPVS).
 */
public interface IpvsOperations {
    void newService(IpvsService service);

    void setService(IpvsService service);

    void delService(IpvsServiceKey key);

    void newDest(IpvsServiceKey service, IpvsDestination dest);

    void setDest(IpvsServiceKey service, IpvsDestination dest);

    void delDest(IpvsServiceKey service, IpvsDestination.Key dest);

    void setConfig(IpvsConfig config);
}
