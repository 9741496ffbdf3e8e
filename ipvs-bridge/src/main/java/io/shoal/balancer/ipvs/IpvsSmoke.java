package io.shoal.balancer.ipvs;

import io.shoal.balancer.BalancerException;
import io.shoal.balancer.NetworkNamespace;
import io.shoal.balancer.spec.Algorithm;
import io.shoal.balancer.spec.BalancerOptions;
import io.shoal.balancer.spec.DesiredState;
import io.shoal.balancer.spec.Protocol;
import io.shoal.balancer.spec.VirtualService;
import io.shoal.netlink.ns.NetNs;
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
 * source affinity on {@code :53} and a consistent-hash ({@code mh}) one on {@code :443}; (2) the same again (must send nothing), then a plan the kernel refuses at its third step, which must be rolled back to the same dump; (3) the second backend
 * removed: it stays at weight 0 (draining) and is deleted after the 3 s drain timeout; (4) close: nothing left. {@code --keep} stops after
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
        BalancerOptions options = BalancerOptions.defaults().withDrainTimeout(Duration.ofSeconds(3));
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

            checkRollback(ns, lb, IpvsMapping.service(web).key(), failures, out);

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
            check(failures, "drained backend deleted by the timer after the drain timeout", drainedAway(lb, web, out));

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

    /**
     * A plan whose third step the kernel refuses (a destination that exists: EEXIST) after an added
     * service and a changed weight: the transaction must undo both, leaving the dump as it was.
     */
    private static void checkRollback(
            NetworkNamespace ns, IpvsBalancer lb, IpvsServiceKey web, List<String> failures, PrintStream out) {
        IpvsTable before = lb.dump();
        IpvsDestination existing =
                before.entries().get(web).destinations().values().iterator().next();
        VirtualService extra = VirtualService.builder("extra")
                .vip("100.64.0.11")
                .port(80)
                .backend("198.18.0.11", 8080)
                .build();
        List<IpvsChange> plan = List.of(
                new IpvsChange.AddService(IpvsMapping.entry(extra)),
                new IpvsChange.EditDest(web, existing, existing.withWeight(7)),
                new IpvsChange.AddDest(web, existing));
        try (IpvsClient client = ns.isCurrent() ? IpvsClient.open() : openIn(ns)) {
            IpvsTransaction.run(plan, client, "smoke rollback");
            check(failures, "the kernel refuses a destination that exists", false);
        } catch (BalancerException e) {
            out.println("== refused as expected: " + e.getMessage());
            check(failures, "two steps rolled back", e.getMessage().contains("rolled back 2 earlier step(s)"));
        }
        check(failures, "rollback restores the table", lb.dump().equals(before));
    }

    /** Polls the dump (up to 10 s) until the web service is down to one destination. */
    private static boolean drainedAway(IpvsBalancer lb, VirtualService web, PrintStream out) {
        IpvsServiceKey key = IpvsMapping.service(web).key();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            IpvsTable.Entry e = lb.dump().entries().get(key);
            if (e != null && e.destinations().size() == 1) {
                out.println("== drain timeout passed: " + e.destinations().values());
                return true;
            }
            try {
                Thread.sleep(200); // a command-line check, not a test: a plain poll is enough
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static IpvsClient openIn(NetworkNamespace ns) {
        try (NetNs n = NetNs.openPath(ns.path())) {
            return IpvsClient.open(n);
        }
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
