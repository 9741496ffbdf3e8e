package io.shoal.controlplane.store;

import java.util.Objects;

/**
 * The owner of a unique name: the znode {@code /shoal/servicenames/<name>} holds the id of the
 * service that has the name. It is created in the same ZooKeeper transaction as the service and
 * deleted in the same transaction as it, so two managers creating the same name at once cannot
 * both succeed, and a create checks a name with one read instead of a scan.
 *
 * @param id the id of the object that has the name
 */
public record NameClaim(String id) {
    public NameClaim {
        Objects.requireNonNull(id, "id");
    }
}
