package io.shoal.dns.testing;

import io.shoal.testbed.Requirements;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the real {@code dig} (bind9-dnsutils) and reads its output. */
public final class Dig {
    private static final Path DIG = Path.of("/usr/bin/dig");
    private static final Pattern STATUS = Pattern.compile("status: (\\w+)");
    private static final Pattern FLAGS = Pattern.compile(";; flags: ([a-z ]*);");

    /** One answer record as dig prints it. */
    public record Rr(String name, long ttl, String type, String data) {}

    /** What dig printed: rcode, header flags, answer and additional records, whole text. */
    public record Result(String status, Set<String> flags, List<Rr> answers, List<Rr> additional, String output) {
        public List<String> data() {
            return answers.stream().map(Rr::data).toList();
        }
    }

    private Dig() {}

    public static void requireDig() {
        Requirements.require(Files.isExecutable(DIG), "dig (apt-get install bind9-dnsutils)");
    }

    /**
     * Asks {@code server} for {@code name}/{@code type} with extra dig options ({@code +tcp},
     * {@code +bufsize=N}, {@code +ignore}, ...). One try, 3 s timeout.
     */
    public static Result ask(InetSocketAddress server, String name, String type, String... options) {
        List<String> cmd = new ArrayList<>(List.of(
                DIG.toString(), "@" + server.getAddress().getHostAddress(), "-p", Integer.toString(server.getPort())));
        return run(cmd, name, type, options);
    }

    /**
     * Runs dig inside network namespace {@code netns} with no server given, so it asks the
     * nameserver of the namespace's {@code /etc/netns/<netns>/resolv.conf}, as a container would.
     */
    public static Result askInNetns(String netns, String name, String type, String... options) {
        return run(new ArrayList<>(List.of("ip", "netns", "exec", netns, DIG.toString())), name, type, options);
    }

    /** Runs dig inside network namespace {@code netns}, asking {@code server}. */
    public static Result askInNetns(
            String netns, InetSocketAddress server, String name, String type, String... options) {
        return run(
                new ArrayList<>(List.of(
                        "ip",
                        "netns",
                        "exec",
                        netns,
                        DIG.toString(),
                        "@" + server.getAddress().getHostAddress(),
                        "-p",
                        Integer.toString(server.getPort()))),
                name,
                type,
                options);
    }

    private static Result run(List<String> cmd, String name, String type, String... options) {
        cmd.addAll(List.of("+tries=1", "+time=3", "+nocookie", name, type));
        cmd.addAll(Arrays.asList(options));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("dig did not finish: " + cmd);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return parse(out);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Result parse(String out) {
        Matcher s = STATUS.matcher(out);
        String status = s.find() ? s.group(1) : "NO-REPLY";
        Matcher f = FLAGS.matcher(out);
        Set<String> flags = f.find() ? Set.of(f.group(1).trim().split("\\s+")) : Set.of();
        List<Rr> answers = new ArrayList<>();
        List<Rr> additional = new ArrayList<>();
        List<Rr> section = null;
        for (String line : out.split("\n")) {
            if (line.startsWith(";; ANSWER SECTION")) {
                section = answers;
            } else if (line.startsWith(";; ADDITIONAL SECTION")) {
                section = additional;
            } else if (line.isBlank() || line.startsWith(";")) {
                section = line.isBlank() ? null : section;
            } else if (section != null) {
                String[] parts = line.trim().split("\\s+", 5);
                if (parts.length == 5) {
                    section.add(new Rr(parts[0], Long.parseLong(parts[1]), parts[3], parts[4]));
                }
            }
        }
        return new Result(status, flags, answers, additional, out);
    }
}
