package io.shoal.balancer.ipvs;

import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Programs IPVS through Shoal's own generic-netlink code on a kernel that has it, reads it back and
 * checks it: for the VM testbed (issue 10), run as root inside a guest:
 *
 * <pre>
 * java -cp 'ipvs-bridge.jar:netlink.jar:jnr/*:slf4j-api.jar' io.shoal.balancer.ipvs.IpvsSmoke [--netns NAME] [--keep]
 * </pre>
 *
 * Steps, each dumped back and compared with what was asked: (1) VIP {@code 100.64.0.10:80/tcp}
 * round robin over {@code 198.18.0.11:8080} and {@code 198.18.0.12:8080}, a UDP service with
 * source affinity on {@code :53} and a consistent-hash ({@code mh}) one on {@code :443}; (2) the same again (must send nothing); (3) the second backend
 * removed: it stays at weight 0 (draining); (4) close: nothing left. {@code --keep} stops after
 * step 1 and leaves the services for {@code ipvsadm -Ln}. Exit status 0 when every check held, 1
 * when one failed, 2 for bad usage, 3 when this kernel has no IPVS.
 */
public final class IpvsSmoke {
    private IpvsSmoke() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) {
        NetworkNamespace ns = NetworkNamespace.current();
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--netns" -> {
                    if (i + 1 == args.length) {
                        out.println("usage: IpvsSmoke [--netns NAME] [--keep]: --netns needs a name");
                        return 2;
                    }
                    ns = NetworkNamespace.named(args[++i]);
                }
                case "--keep" -> keep = true;
                default -> {
                    out.println("usage: IpvsSmoke [--netns NAME] [--keep]: unknown argument " + args[i]);
                    return 2;
                }
            }
        }
        if (!IpvsProbe.isAvailable()) {
            out.println("IPVS unavailable: "
                    + IpvsProbe.unavailabilityCause().orElseThrow().getMessage());
            return 3;
        }
        List<String> failures = new ArrayList<>();
        BalancerOptions options = BalancerOptions.defaults().withDrainTimeout(Duration.ofSeconds(600));
        VirtualService web = VirtualService.builder("web")
                .vip("100.64.0.10")
                .port(80)
                .backend("198.18.0.11", 8080)
                .backend("198.18.0.12", 8080)
                .build();
        VirtualService dns = VirtualService.builder("dns")
                .vip("100.64.0.10")
                .protocol(Protocol.UDP)
                .port(53)
                .algorithm(Algorithm.SOURCE_AFFINITY)
                .backend("198.18.0.11", 8053)
                .backend("198.18.0.12", 8053)
                .build();
        VirtualService api = VirtualService.builder("api")
                .vip("100.64.0.10")
                .port(443)
                .algorithm(Algorithm.CONSISTENT_HASH)
                .backend("198.18.0.11", 8443)
                .backend("198.18.0.12", 8443)
                .build();
        IpvsBalancer lb = IpvsBalancer.create(ns, options);
        try {
            DesiredState first = DesiredState.of(web, dns, api);
            lb.apply(first);
            IpvsTable programmed = lb.dump();
            out.println("== after apply (namespace " + ns + ", timeouts " + lb.timeouts() + ")");
            out.print(programmed);
            check(failures, "dump equals the desired table", programmed.equals(IpvsMapping.table(first)));
            check(
                    failures,
                    "tcp/udp timeouts set",
                    lb.timeouts().tcp() == 86_400 && lb.timeouts().udp() == 120);
            if (keep) {
                out.println("== kept; inspect with ipvsadm -Ln");
                return report(failures, out);
            }

            lb.apply(first);
            check(failures, "re-apply changes nothing", lb.dump().equals(programmed));

            DesiredState second = DesiredState.of(
                    web.toBuilder().backends(web.backends().subList(0, 1)).build(), dns, api);
            lb.apply(second);
            IpvsTable draining = lb.dump();
            out.println("== after removing 198.18.0.12:8080 (draining for " + options.drainTimeout() + ")");
            out.print(draining);
            IpvsTable.Entry webEntry =
                    draining.entries().get(IpvsMapping.service(web).key());
            check(
                    failures,
                    "removed backend stays at weight 0 while draining",
                    webEntry != null
                            && webEntry.destinations().size() == 2
                            && webEntry.destinations().values().stream()
                                    .anyMatch(d -> d.weight() == 0 && d.port() == 8080));

            lb.close();
            try (IpvsClient client = IpvsClient.open()) {
                if (ns.isCurrent()) {
                    IpvsTable left = client.dump();
                    out.println("== after close");
                    out.print(left);
                    check(failures, "close leaves no service", left.entries().isEmpty());
                }
            }
        } finally {
            if (!keep) {
                lb.close();
            }
        }
        return report(failures, out);
    }

    private static void check(List<String> failures, String what, boolean ok) {
        if (!ok) {
            failures.add(what);
        }
    }

    private static int report(List<String> failures, PrintStream out) {
        if (failures.isEmpty()) {
            out.println("IPVS smoke: OK");
            return 0;
        }
        out.println("IPVS smoke: FAILED: " + String.join("; ", failures));
        return 1;
    }
}
