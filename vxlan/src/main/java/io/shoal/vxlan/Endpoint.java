package io.shoal.vxlan;

import io.shoal.netlink.route.MacAddress;

/**
 * A container's interface on an overlay network, as attached.
 *
 * @param networkId the network
 * @param container the container's namespace
 * @param ifName the interface inside the container ({@code eth0}, {@code eth1}, …)
 * @param address its address and prefix
 * @param mac its MAC ({@code 02:42:<ip bytes>})
 * @param sandboxLink the veth end on {@code br0} in the sandbox
 * @param mtu its MTU
 */
public record Endpoint(
        String networkId,
        ContainerNamespace container,
        String ifName,
        IpPrefix address,
        MacAddress mac,
        String sandboxLink,
        int mtu) {}
