/**
 * The routing mesh: Netty TCP/UDP listeners for published ports, forwarding to a service's ready
 * tasks over the ingress network. Entry point: {@link io.shoal.ingress.mesh.RoutingMesh}.
 */
package io.shoal.ingress;
