package io.shoal.netlink.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.netlink.testing.Requirements;
import io.shoal.netlink.uapi.NfTablesH;
import io.shoal.netlink.uapi.NfnetlinkH;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every constant of {@link NfTablesH} and {@link NfnetlinkH} against the installed uapi headers:
 * a C program, generated from the Java field names, is compiled with the system compiler and prints
 * each constant's value as the headers define it (a name the headers do not know fails to compile),
 * plus the size and field offsets of {@code struct nfgenmsg}. Needs {@code cc} and the kernel
 * headers (linux-libc-dev); skipped without them outside CI.
 */
class NfTablesUapiTest {
    /** Not in the uapi headers; the reason is on the constant. */
    private static final Set<String> KERNEL_INTERNAL = Set.of("NFT_REG32_SIZE");

    @Test
    void constantsMatchTheInstalledHeaders(@TempDir Path dir) throws Exception {
        Requirements.require(
                Files.exists(Path.of("/usr/include/linux/netfilter/nf_tables.h")),
                "the kernel uapi headers (/usr/include/linux/netfilter/nf_tables.h)");
        Requirements.require(onPath("cc"), "a C compiler (cc)");

        Map<String, Integer> java = new TreeMap<>();
        for (Class<?> c : new Class<?>[] {NfTablesH.class, NfnetlinkH.class}) {
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                    java.put(f.getName(), f.getInt(null));
                }
            }
        }
        StringBuilder c = new StringBuilder(
                """
                #include <stdio.h>
                #include <stddef.h>
                #include <sys/socket.h>
                #include <linux/netlink.h>
                #include <linux/netfilter.h>
                #include <linux/netfilter/nfnetlink.h>
                #include <linux/netfilter/nf_tables.h>
                #define NFGENMSG_SIZE ((int) sizeof(struct nfgenmsg))
                int main(void) {
                    printf("nfgenmsg.nfgen_family %d\\n", (int) offsetof(struct nfgenmsg, nfgen_family));
                    printf("nfgenmsg.version %d\\n", (int) offsetof(struct nfgenmsg, version));
                    printf("nfgenmsg.res_id %d\\n", (int) offsetof(struct nfgenmsg, res_id));
                """);
        Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("nfgenmsg.nfgen_family", 0);
        expected.put("nfgenmsg.version", 1);
        expected.put("nfgenmsg.res_id", 2);
        java.forEach((name, value) -> {
            if (!KERNEL_INTERNAL.contains(name)) {
                c.append("    printf(\"")
                        .append(name)
                        .append(" %d\\n\", (int) (")
                        .append(name)
                        .append("));\n");
                expected.put(name, value);
            }
        });
        c.append("    return 0;\n}\n");
        Path source = dir.resolve("nft_uapi.c");
        Path binary = dir.resolve("nft_uapi");
        Files.writeString(source, c.toString());

        String compiled = run(dir, "cc", "-Wall", "-o", binary.toString(), source.toString());
        String printed = run(dir, binary.toString());

        Map<String, Integer> headers = new LinkedHashMap<>();
        for (String line : printed.strip().split("\n")) {
            String[] parts = line.split(" ");
            headers.put(parts[0], Integer.parseInt(parts[1]));
        }
        assertThat(compiled).as("compiler warnings").isEmpty();
        assertThat(headers).containsExactlyInAnyOrderEntriesOf(expected);
        assertThat(expected).hasSizeGreaterThan(30);
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("%s exit status; output:%n%s", command[0], text)
                .isZero();
        return text;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":")).map(d -> Path.of(d, tool)).anyMatch(Files::isExecutable);
    }
}
