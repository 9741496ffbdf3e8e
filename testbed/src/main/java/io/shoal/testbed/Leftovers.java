package io.shoal.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

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
    private static final Path ROOT_LINKS = Path.of("/sys/class/net");

    /** Looks for what is left of run {@code prefix} whose namespaces had {@code inodes}. */
    public static Leftovers find(RunPrefix prefix, Collection<Long> inodes) {
        List<String> namespaces =
                Namespaces.list().stream().filter(prefix::owns).toList();
        List<String> links = new ArrayList<>();
        // This JVM runs in the root namespace, whose links sysfs lists.
        try (Stream<Path> entries = Files.list(ROOT_LINKS)) {
            entries.map(p -> p.getFileName().toString()).filter(prefix::owns).forEach(links::add);
        } catch (IOException e) {
            throw new TestbedException("cannot list " + ROOT_LINKS + ": " + e.getMessage(), e);
        }
        List<Long> pids = new ArrayList<>();
        inodes.forEach(inode -> pids.addAll(Namespaces.pidsIn(inode)));
        return new Leftovers(namespaces, links, pids);
    }

    /** True when nothing is left. */
    public boolean isEmpty() {
        return namespaces.isEmpty() && rootLinks.isEmpty() && pids.isEmpty();
    }
}
