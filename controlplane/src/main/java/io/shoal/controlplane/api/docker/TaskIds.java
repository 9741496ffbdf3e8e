package io.shoal.controlplane.api.docker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The ids Docker clients see for tasks. Shoal's task ids start with their service's id ({@code
 * <service>.<slot>.<n>}), so the 12-character ids Docker prints would all look alike; the Docker
 * API shows a 25-character id derived from the Shoal id instead, and finds a task by it.
 */
final class TaskIds {
    private static final String CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

    private TaskIds() {}

    static String docker(String shoalTaskId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(shoalTaskId.getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder(25);
            for (int i = 0; i < 25; i++) {
                b.append(CHARS.charAt((d[i] & 0xff) % CHARS.length()));
            }
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
