/** PROXY protocol (v1/v2): the header sent to backends, and the gate for headers received from clients. */
package io.shoal.ingress.proxyprotocol;
