package io.shoal.testbed;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts processes inside a member's network namespace: the one place that builds such command
 * lines.
 *
 * <p>{@code nsenter --net=/run/netns/<ns>} enters the network namespace only (the process sees the
 * machine's files and other processes) and then execs the command, so the process the testbed
 * starts is the command itself and its pid is the command's. This is process execution, not network
 * configuration, which {@link Wiring} does through netlink.
 */
final class NsEnter {
    private NsEnter() {}

    /** The command line that runs {@code command} inside network namespace {@code ns}. */
    static List<String> commandLine(String ns, List<String> command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + Namespaces.path(ns), "--"));
        full.addAll(command);
        return full;
    }
}
