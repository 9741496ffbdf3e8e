package io.shoal.model;

import java.util.List;

/**
 * A service's wish to be on a network, with extra DNS names there.
 *
 * @param target the network id or name
 * @param aliases further names the service answers to on that network
 */
public record NetworkAttachmentConfig(String target, List<String> aliases) {
    public NetworkAttachmentConfig {
        Require.notBlank("network target", target);
        aliases = Require.list(aliases);
        for (String alias : aliases) {
            Require.name("network alias", alias, 63);
        }
    }

    public static NetworkAttachmentConfig of(String target, String... aliases) {
        return new NetworkAttachmentConfig(target, List.of(aliases));
    }
}
