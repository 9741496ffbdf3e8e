/**
 * The health endpoint an external load balancer checks: {@code /healthz} for the node, {@code
 * /healthz/ports/<port>[/<tcp|udp>]} for one published port, answered from the routing mesh's
 * lock-free state.
 */
package io.shoal.ingress.health;
