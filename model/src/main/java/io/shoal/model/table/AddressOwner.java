package io.shoal.model.table;

/**
 * What an address belongs to: a service's virtual IP ({@code task == null}) or a task.
 *
 * @param service the service that owns the address
 * @param task the task that owns it, or null when the address is the service's VIP
 * @param networkId the network the address is on
 */
public record AddressOwner(ServiceEntry service, TaskEndpoint task, String networkId) {
    public boolean isVip() {
        return task == null;
    }
}
