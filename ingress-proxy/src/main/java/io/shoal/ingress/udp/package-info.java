/** UDP published ports: one connected outbound socket per client flow, expired when idle. */
package io.shoal.ingress.udp;
