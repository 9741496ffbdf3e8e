/** Per-published-port proxy options that the model does not carry (PROXY protocol, timeouts, balance mode). */
package io.shoal.ingress.policy;
