package io.shoal.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;

/**
 * A service, stored at {@code /shoal/services/<id>}.
 *
 * @param meta id and version index
 * @param spec what the user asked now
 * @param previousSpec the spec before the last update, kept for {@code rollback}; null when none
 * @param endpoint what the allocator gave it (VIPs, published ports)
 * @param updateStatus the progress of the last rolling update or rollback; null when none ran
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Service(
        Meta meta, ServiceSpec spec, ServiceSpec previousSpec, ServiceEndpoint endpoint, UpdateStatus updateStatus)
        implements Versioned<Service> {
    public Service {
        Require.notNull("service meta", meta);
        Require.notNull("service spec", spec);
        endpoint = Objects.requireNonNullElse(endpoint, ServiceEndpoint.EMPTY);
    }

    /** A service with no update recorded. */
    public Service(Meta meta, ServiceSpec spec, ServiceSpec previousSpec, ServiceEndpoint endpoint) {
        this(meta, spec, previousSpec, endpoint, null);
    }

    /** A new service: no previous spec, nothing allocated. */
    public static Service created(Meta meta, ServiceSpec spec) {
        return new Service(meta, spec, null, ServiceEndpoint.EMPTY);
    }

    /** This service with a new spec; the current one becomes the previous (for rollback). */
    public Service updatedTo(ServiceSpec newSpec) {
        return new Service(meta, newSpec, spec, endpoint, updateStatus);
    }

    /**
     * This service with a new spec, as the API's update does: the current spec becomes the previous
     * one, and when the task template changed a rolling update starts now.
     */
    public Service updatedTo(ServiceSpec newSpec, Instant now) {
        boolean tasksChange = !newSpec.task().equals(spec.task());
        return new Service(meta, newSpec, spec, endpoint, tasksChange ? UpdateStatus.updating(now) : updateStatus);
    }

    /**
     * This service rolled back to its previous spec (which must exist); the spec being left becomes
     * the previous one, and a rollback starts now.
     */
    public Service rolledBack(Instant now, String why) {
        if (previousSpec == null) {
            throw new IllegalArgumentException("rollback: service '" + spec.name() + "' has no previous spec");
        }
        return new Service(meta, previousSpec, spec, endpoint, UpdateStatus.rollingBack(now, why));
    }

    public Service withUpdateStatus(UpdateStatus value) {
        return new Service(meta, spec, previousSpec, endpoint, value);
    }

    public Service withEndpoint(ServiceEndpoint value) {
        return new Service(meta, spec, previousSpec, value, updateStatus);
    }

    @Override
    public Service withMeta(Meta value) {
        return new Service(value, spec, previousSpec, endpoint, updateStatus);
    }

    public String name() {
        return spec.name();
    }
}
