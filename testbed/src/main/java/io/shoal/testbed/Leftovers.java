package io.shoal.testbed;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What of a run still exists: its namespaces, links in the machine's root namespace that carry its
 * prefix, and processes inside its namespaces (found by namespace inode, so also in namespaces whose
 * name is already gone).
 *
 * @param namespaces named namespaces with the run's prefix
 * @param rootLinks links in the root namespace with the run's prefix
 * @param pids processes inside one of the run's namespaces
 */
public record Leftovers(List<String> namespaces, List<String> rootLinks, List<Long> pids) {
    /** Looks for what is left of run {@code prefix} whose namespaces had {@code inodes}. */
    public static Leftovers find(RunPrefix prefix, Collection<Long> inodes) {
        List<String> namespaces =
                Namespaces.list().stream().filter(prefix::owns).toList();
        List<String> links =
                Wiring.rootLinkNames().stream().filter(prefix::owns).toList();
        List<Long> pids = new ArrayList<>();
        inodes.forEach(inode -> pids.addAll(Namespaces.pidsIn(inode)));
        return new Leftovers(namespaces, links, pids);
    }

    /** True when nothing is left. */
    public boolean isEmpty() {
        return namespaces.isEmpty() && rootLinks.isEmpty() && pids.isEmpty();
    }
}
