package io.shoal.agent.net;

import io.shoal.model.Cidr;

/**
 * One interface of a task: the network, the interface name inside the task ({@code eth0},
 * {@code eth1}, … in the order of the task's networks, the ingress network last) and its address.
 */
public record Attachment(String networkId, String ifName, Cidr address) {}
