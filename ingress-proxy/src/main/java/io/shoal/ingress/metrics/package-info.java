/** Per-published-port counters and the connect latency histogram, read as a Prometheus-style snapshot. */
package io.shoal.ingress.metrics;
