package io.shoal.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Docker's flags write them: {@code 10s}, {@code 1m30s}, {@code 500ms}, {@code 2h}. */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Durations() {}

    static Duration parse(String option, String text) {
        if (text == null || text.isBlank()) {
            throw new Shoal.UsageError(option + ": a duration such as 10s or 1m30s is required");
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(text);
        Duration d = Duration.ZERO;
        int at = 0;
        while (m.find()) {
            if (m.start() != at) {
                break;
            }
            long n = Long.parseLong(m.group(1));
            d = d.plus(
                    switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    });
            at = m.end();
        }
        if (at != text.length()) {
            throw new Shoal.UsageError(
                    option + ": '" + text + "' is not a duration (expected e.g. 500ms, 10s, 1m30s, 2h)");
        }
        return d;
    }
}
