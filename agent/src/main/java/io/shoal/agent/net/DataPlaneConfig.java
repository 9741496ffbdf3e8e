package io.shoal.agent.net;

import io.shoal.dns.netns.ContainerDns.Port53;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a node's data plane is set up.
 *
 * @param underlay this host's underlay address: the local VXLAN tunnel endpoint; the device that
 *     holds it (in the agent's namespace) carries the overlays
 * @param sandboxPrefix starts the name of each overlay sandbox namespace; must differ between agents
 *     sharing one machine (namespace names are machine-wide)
 * @param taskNamespacePrefix starts the name under {@code /run/netns} given to each task's namespace;
 *     the agent removes namespaces with this prefix that belong to none of its tasks, so agents
 *     sharing one machine need different ones (1 to 32 characters of {@code [A-Za-z0-9_.-]})
 * @param dnsUpstreams resolvers for names Shoal does not own
 * @param dnsPort53 how the embedded resolver gets port 53 inside a task
 * @param meshBind the address published ports listen on (the wildcard by default)
 * @param hostIngressInterface the name of this host's interface on the ingress network
 * @param leaveDelay time between a task leaving the endpoints and its SIGTERM
 * @param healthBind where the health endpoint for external load balancers listens ({@code
 *     /healthz}, {@code /healthz/ports/<port>}), or null for none
 * @param transparent the policy routing installed so that local-policy ports reach local tasks
 *     from the client's own address, or null to keep those connections from the node's address
 */
public record DataPlaneConfig(
        Inet4Address underlay,
        String sandboxPrefix,
        String taskNamespacePrefix,
        List<InetSocketAddress> dnsUpstreams,
        Port53 dnsPort53,
        InetAddress meshBind,
        String hostIngressInterface,
        Duration leaveDelay,
        InetSocketAddress healthBind,
        TransparentRouting.Settings transparent) {

    private static final Pattern TASK_PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");

    /** Default time a stopping task keeps serving after it left the endpoints. */
    public static final Duration DEFAULT_LEAVE_DELAY = Duration.ofSeconds(1);

    /** Without transparent local forwarding. */
    public DataPlaneConfig(
            Inet4Address underlay,
            String sandboxPrefix,
            String taskNamespacePrefix,
            List<InetSocketAddress> dnsUpstreams,
            Port53 dnsPort53,
            InetAddress meshBind,
            String hostIngressInterface,
            Duration leaveDelay,
            InetSocketAddress healthBind) {
        this(
                underlay,
                sandboxPrefix,
                taskNamespacePrefix,
                dnsUpstreams,
                dnsPort53,
                meshBind,
                hostIngressInterface,
                leaveDelay,
                healthBind,
                null);
    }

    public DataPlaneConfig {
        Objects.requireNonNull(underlay, "underlay");
        Objects.requireNonNull(sandboxPrefix, "sandboxPrefix");
        Objects.requireNonNull(taskNamespacePrefix, "taskNamespacePrefix");
        if (!TASK_PREFIX.matcher(taskNamespacePrefix).matches()) {
            // The agent sweeps every namespace named with it: an empty prefix would be everything.
            throw new IllegalArgumentException(
                    "taskNamespacePrefix must be 1 to 32 characters of [A-Za-z0-9_.-] starting with a letter or"
                            + " digit, was \"" + taskNamespacePrefix + "\"");
        }
        dnsUpstreams = List.copyOf(dnsUpstreams);
        Objects.requireNonNull(dnsPort53, "dnsPort53");
        Objects.requireNonNull(meshBind, "meshBind");
        Objects.requireNonNull(hostIngressInterface, "hostIngressInterface");
        if (leaveDelay == null || leaveDelay.isNegative()) {
            throw new IllegalArgumentException("leaveDelay must be zero or positive, was " + leaveDelay);
        }
    }
}
