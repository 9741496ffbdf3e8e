package io.shoal.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a service is reached: by a VIP or DNS round robin, and on which ports.
 *
 * @param mode vip or dnsrr
 * @param ports the service's ports; a published port of 0 asks for one from the dynamic range
 *     (only in ingress mode)
 */
public record EndpointSpec(EndpointMode mode, List<PortConfig> ports) {
    public static final EndpointSpec DEFAULT = new EndpointSpec(EndpointMode.VIP, List.of());

    public EndpointSpec {
        mode = Objects.requireNonNullElse(mode, EndpointMode.VIP);
        ports = Require.list(ports);
        Map<String, Integer> published = new HashMap<>();
        for (int i = 0; i < ports.size(); i++) {
            PortConfig p = ports.get(i);
            Require.notNull("ports[" + i + "]", p);
            if (mode == EndpointMode.DNSRR && p.publishMode() == PublishMode.INGRESS) {
                throw new IllegalArgumentException(
                        "ports[" + i + "]: ingress publishing needs endpoint mode vip, not dnsrr"
                                + " (publish in host mode instead)");
            }
            if (p.isPublished()) {
                String key = p.publishedPort() + "/" + p.protocol().json();
                Integer before = published.putIfAbsent(key, i);
                if (before != null) {
                    throw new IllegalArgumentException(
                            "ports[" + i + "]: published port " + key + " is already used by ports[" + before + "]");
                }
            }
        }
    }

    public static EndpointSpec ports(PortConfig... ports) {
        return new EndpointSpec(EndpointMode.VIP, List.of(ports));
    }
}
