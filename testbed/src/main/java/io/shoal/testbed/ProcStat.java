package io.shoal.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads a process's state and start time from {@code /proc/<pid>/stat}. */
final class ProcStat {
    /** Index of {@code starttime} among the fields after the command name, which start at field 3. */
    private static final int START_TIME_INDEX = 22 - 3;

    private ProcStat() {}

    /**
     * The start time (clock ticks since boot) of process {@code pid}, if it exists. Together with the
     * pid it identifies one process even after the pid is reused.
     */
    static OptionalLong startTime(long pid) {
        return read(pid).map(ProcStat::startTimeOf).map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /** The one-letter state of process {@code pid} ({@code R}, {@code S}, {@code T} …), or 0 if it is gone. */
    static char state(long pid) {
        return read(pid).map(ProcStat::stateOf).orElse((char) 0);
    }

    /** The start time field of a stat line; the command name may contain spaces and parentheses. */
    static long startTimeOf(String statLine) {
        return Long.parseLong(fieldsAfterName(statLine)[START_TIME_INDEX]);
    }

    /** The state field of a stat line. */
    static char stateOf(String statLine) {
        return fieldsAfterName(statLine)[0].charAt(0);
    }

    private static String[] fieldsAfterName(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("stat line: expected 'pid (comm) state ...', got '" + statLine + "'");
        }
        String[] fields = statLine.substring(close + 1).trim().split("\\s+");
        if (fields.length <= START_TIME_INDEX) {
            throw new IllegalArgumentException(
                    "stat line: expected at least 22 fields, got " + (fields.length + 2) + " in '" + statLine + "'");
        }
        return fields;
    }

    private static java.util.Optional<String> read(long pid) {
        try {
            return java.util.Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }
}
