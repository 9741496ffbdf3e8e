package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A service, stored at {@code /shoal/services/<id>}.
 *
 * @param meta id and version index
 * @param spec what the user asked now
 * @param previousSpec the spec before the last update, kept for {@code rollback}; null when none
 * @param endpoint what the allocator gave it (VIPs, published ports)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Service(Meta meta, ServiceSpec spec, ServiceSpec previousSpec, ServiceEndpoint endpoint)
        implements Versioned<Service> {
    public Service {
        Require.notNull("service meta", meta);
        Require.notNull("service spec", spec);
        endpoint = Objects.requireNonNullElse(endpoint, ServiceEndpoint.EMPTY);
    }

    /** A new service: no previous spec, nothing allocated. */
    public static Service created(Meta meta, ServiceSpec spec) {
        return new Service(meta, spec, null, ServiceEndpoint.EMPTY);
    }

    /** This service with a new spec; the current one becomes the previous (for rollback). */
    public Service updatedTo(ServiceSpec newSpec) {
        return new Service(meta, newSpec, spec, endpoint);
    }

    public Service withEndpoint(ServiceEndpoint value) {
        return new Service(meta, spec, previousSpec, value);
    }

    @Override
    public Service withMeta(Meta value) {
        return new Service(value, spec, previousSpec, endpoint);
    }

    public String name() {
        return spec.name();
    }
}
