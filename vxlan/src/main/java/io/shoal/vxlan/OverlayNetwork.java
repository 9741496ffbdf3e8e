package io.shoal.vxlan;

/**
 * An overlay network as ensured on this host.
 *
 * @param id the network id
 * @param vni its VXLAN network identifier
 * @param subnet its subnet; the sandbox bridge holds the gateway
 * @param mtu MTU of {@code br0}, {@code vxlan0} and every endpoint's veth
 * @param sandbox name of the sandbox namespace ({@code /run/netns/<sandbox>})
 */
public record OverlayNetwork(String id, int vni, Subnet subnet, int mtu, String sandbox) {}
