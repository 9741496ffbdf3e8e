package io.shoal.testbed.vm;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program the VM test runs with the guest's own JVM (copied to the shared folder): it prints the
 * kernel it runs on, whether that kernel has IPVS, and what {@code count} requests to {@code url}
 * answered. Uses only {@code java.base}, which the guest's headless JRE has.
 */
public final class GuestProbe {
    private GuestProbe() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: GuestProbe URL COUNT");
        }
        URI url = URI.create(args[0]);
        int count = Integer.parseInt(args[1]);
        System.out.println("kernel " + System.getProperty("os.version"));
        System.out.println("java " + System.getProperty("java.version"));
        System.out.println("ipvs " + Files.isReadable(Path.of("/proc/net/ip_vs")));
        for (int i = 0; i < count; i++) {
            HttpURLConnection connection = (HttpURLConnection) url.toURL().openConnection();
            connection.setConnectTimeout(5000);
            connection.setReadTimeout(5000);
            try (InputStream in = connection.getInputStream()) {
                System.out.println("answer " + new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
            } finally {
                connection.disconnect();
            }
        }
    }
}
