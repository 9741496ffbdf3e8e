package io.shoal.model;

import java.util.List;
import java.util.Objects;

/**
 * What an agent reports about its host.
 *
 * @param hostname the host name, matched by {@code node.hostname} constraints
 * @param addresses the host's underlay IPv4 addresses (the first is its VTEP)
 * @param resources the CPU and memory the host offers to tasks
 */
public record NodeDescription(String hostname, List<String> addresses, Resources resources) {
    public NodeDescription {
        Require.notBlank("hostname", hostname);
        addresses = Require.list(addresses);
        for (int i = 0; i < addresses.size(); i++) {
            Cidr.parseAddress(
                    "addresses[" + i + "]",
                    addresses.get(i),
                    Require.notBlank("addresses[" + i + "]", addresses.get(i)));
        }
        resources = Objects.requireNonNullElse(resources, Resources.NONE);
    }
}
