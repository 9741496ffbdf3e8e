package io.shoal.controlplane.api.docker;

import static org.awaitility.Awaitility.await;

import io.shoal.controlplane.SimAgents;
import io.shoal.controlplane.ZkSupport;
import io.shoal.controlplane.api.Api;
import io.shoal.controlplane.api.ApiServer;
import io.shoal.controlplane.join.JoinTokens;
import io.shoal.controlplane.manager.Manager;
import io.shoal.controlplane.membership.MemberRecord;
import io.shoal.controlplane.store.Layout;
import io.shoal.model.ClusterSpec;
import io.shoal.model.Member;
import io.shoal.model.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;

/**
 * A real manager for the Docker client tests: curator-test ZooKeeper, the control plane's
 * {@link Manager}, three member records (m1/mgr, n2/host2, n3/host3) whose tasks {@link SimAgents}
 * report running, and the API on a unix socket under {@code dir} (plus whatever the config adds).
 */
final class DockerFixture implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final Path dir;
    final Path socket;
    final Path dockerConfig;
    private final List<AutoCloseable> open = new ArrayList<>();
    TestingServer server;
    Manager manager;
    ApiServer api;
    /** The API the server serves, for in-process requests. */
    Api shoalApi;

    DockerCli docker;

    /**
     * @param dir a temporary directory
     * @param config the API server's config from the unix socket path
     */
    DockerFixture(Path dir, Function<Path, ApiServer.Config> config) throws Exception {
        this.dir = dir;
        this.socket = dir.resolve("shoal.sock");
        this.dockerConfig = Files.createDirectories(dir.resolve("docker-config"));
        try {
            server = ZkSupport.server();
            open.add(server);
            CuratorFramework client = ZkSupport.client(server.getConnectString());
            open.add(client);
            manager = new Manager(
                    client,
                    Layout.DEFAULT,
                    "m1",
                    ClusterSpec.withPools("100.64.0.0/10"),
                    Duration.ofSeconds(5),
                    Clock.systemUTC());
            manager.start();
            open.add(manager);
            JoinTokens.init(client, Layout.DEFAULT);
            CuratorFramework agentClient = ZkSupport.client(server.getConnectString());
            open.add(agentClient);
            String[][] hosts = {
                {"m1", "mgr", "198.18.0.1"}, {"n2", "host2", "198.18.0.2"}, {"n3", "host3", "198.18.0.3"}
            };
            for (String[] h : hosts) {
                MemberRecord m = new MemberRecord(
                        agentClient,
                        Layout.DEFAULT,
                        new Member(h[0], h[1], List.of(h[2]), Resources.of(2, 2048), "test", Instant.now()));
                m.start(Duration.ofSeconds(10));
                open.add(m);
            }
            open.add(new SimAgents(manager.store(), "none"));
            shoalApi = new Api(
                    manager.store(),
                    manager.metrics(),
                    manager::isLeader,
                    () -> JoinTokens.load(client, Layout.DEFAULT),
                    Clock.systemUTC(),
                    "m1");
            api = new ApiServer(shoalApi, config.apply(socket));
            api.start();
            open.add(api);
            docker = new DockerCli(socket, dockerConfig);
            await().atMost(WAIT).until(manager::isLeader);
            await().atMost(WAIT)
                    .until(() -> docker.run("node", "ls", "-q").lines().size() == 3);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Closes in reverse order of opening; every part is closed even when one fails. */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
