package io.shoal.agent.net;

import io.shoal.model.Cidr;
import io.shoal.model.Network;
import io.shoal.model.table.ServiceTable;
import java.net.Inet4Address;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one node's data plane serves from, built off the hot path from the store's view and
 * swapped in whole: the {@link ServiceTable} (what answers where) plus what the overlay needs
 * besides it (subnets, where other nodes are, the nodes' ingress addresses).
 *
 * @param table the service table: DNS, VIPs and the routing mesh serve from it
 * @param networks allocated networks by id (subnet, VNI, MTU for the overlay)
 * @param ingress the cluster's ingress network, when it exists and is allocated
 * @param vteps each live node's underlay address (its VXLAN tunnel endpoint), by node id
 * @param ingressAddresses each node's own address on the ingress network, by node id
 */
public record NodeView(
        ServiceTable table,
        Map<String, Network> networks,
        Optional<Network> ingress,
        Map<String, Inet4Address> vteps,
        Map<String, Cidr> ingressAddresses) {

    public NodeView {
        networks = Map.copyOf(networks);
        vteps = Map.copyOf(vteps);
        ingressAddresses = Map.copyOf(ingressAddresses);
    }

    /** What a node serves before it has read the store. */
    public static NodeView empty() {
        return new NodeView(ServiceTable.empty(), Map.of(), Optional.empty(), Map.of(), Map.of());
    }

    /** True when {@code networkId} is the ingress network. */
    public boolean isIngress(String networkId) {
        return ingress.map(n -> n.id().equals(networkId)).orElse(false);
    }
}
