package io.shoal.controlplane.join;

import io.shoal.controlplane.store.Layout;
import io.shoal.controlplane.store.StoreException;
import io.shoal.model.Json;
import io.shoal.model.NodeRole;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * The cluster's join tokens. Only their SHA-256 digests are stored (at {@code /shoal/jointokens});
 * the tokens themselves are shown once, when the first manager creates them. A token looks like
 * {@code SHOALTKN-1-worker-<64 hex digits>}; the role in it is informative, the digest decides.
 *
 * <p>An agent (or a manager's join endpoint) checks a token with {@link #verify}, which returns the
 * role the token grants or throws {@link IllegalArgumentException} with a message fit for the user.
 */
public final class JoinTokens {
    private static final Pattern FORMAT = Pattern.compile("SHOALTKN-1-(worker|manager)-[0-9a-f]{64}");

    private final Digests digests;

    /** What is stored: the SHA-256 (hex) of each token. */
    public record Digests(String worker, String manager) {}

    /** The plain tokens, known only to whoever generated them. */
    public record Tokens(String worker, String manager) {}

    private JoinTokens(Digests digests) {
        this.digests = digests;
    }

    /** Tokens checked against these digests (for tests and for a process that got them elsewhere). */
    public static JoinTokens of(Digests digests) {
        return new JoinTokens(digests);
    }

    /** Two fresh random tokens. */
    public static Tokens generate(SecureRandom random) {
        return new Tokens(token("worker", random), token("manager", random));
    }

    private static String token(String role, SecureRandom random) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return "SHOALTKN-1-" + role + "-" + HexFormat.of().formatHex(secret);
    }

    /** The digests of two tokens. */
    public static Digests digests(Tokens tokens) {
        return new Digests(sha256(tokens.worker()), sha256(tokens.manager()));
    }

    /**
     * Creates the cluster's tokens unless they exist.
     *
     * @return the new plain tokens when this call created them (print them: they are not stored);
     *     empty when the cluster already had tokens
     */
    public static Optional<Tokens> init(CuratorFramework client, Layout layout) {
        Tokens tokens = generate(new SecureRandom());
        try {
            client.create()
                    .creatingParentsIfNeeded()
                    .forPath(jointokensPath(layout), Json.mapper().writeValueAsBytes(digests(tokens)));
            return Optional.of(tokens);
        } catch (KeeperException.NodeExistsException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new StoreException("join tokens: cannot write " + jointokensPath(layout) + ": " + e, e);
        }
    }

    /** The stored digests, read from ZooKeeper. @throws StoreException when none exist yet */
    public static JoinTokens load(CuratorFramework client, Layout layout) {
        try {
            byte[] data = client.getData().forPath(jointokensPath(layout));
            return new JoinTokens(Json.mapper().readValue(data, Digests.class));
        } catch (KeeperException.NoNodeException e) {
            throw new StoreException("join tokens: none at " + jointokensPath(layout) + " (no manager started yet)");
        } catch (Exception e) {
            throw new StoreException("join tokens: cannot read " + jointokensPath(layout) + ": " + e, e);
        }
    }

    /** Where the digests live: {@code <root>/jointokens}. */
    public static String jointokensPath(Layout layout) {
        return layout.root() + "/jointokens";
    }

    /**
     * The role a token grants.
     *
     * @throws IllegalArgumentException when the token is malformed or matches neither token
     */
    public NodeRole verify(String token) {
        if (token == null || !FORMAT.matcher(token.trim()).matches()) {
            String shown = token == null ? "nothing" : "'" + abbreviate(token.trim()) + "'";
            throw new IllegalArgumentException(
                    "join token: expected SHOALTKN-1-<worker|manager>-<64 hex digits>, got " + shown);
        }
        byte[] digest = sha256(token.trim()).getBytes(StandardCharsets.US_ASCII);
        // Constant-time comparisons: the digests are not secret, but it costs nothing.
        boolean worker = MessageDigest.isEqual(digest, digests.worker().getBytes(StandardCharsets.US_ASCII));
        boolean manager = MessageDigest.isEqual(digest, digests.manager().getBytes(StandardCharsets.US_ASCII));
        if (manager) {
            return NodeRole.MANAGER;
        }
        if (worker) {
            return NodeRole.WORKER;
        }
        throw new IllegalArgumentException("join token: not valid for this cluster (wrong or rotated token)");
    }

    private static String abbreviate(String token) {
        return token.length() <= 16 ? token : token.substring(0, 16) + "…";
    }

    static String sha256(String token) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of()
                    .formatHex(md.digest(token.getBytes(StandardCharsets.UTF_8)))
                    .toLowerCase(Locale.ROOT);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
