package io.shoal.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.shoal.agent.exec.DockerExecutor;
import io.shoal.agent.exec.Labels;
import io.shoal.testbed.Requirements;
import java.util.List;
import java.util.Map;

/** Removes every container a test run labelled with one of its node ids. */
public final class DockerCleanup {
    private DockerCleanup() {}

    /** Containers labelled {@code io.shoal.node=<nodeId>}, running or not. */
    public static List<Container> labelled(DockerClient docker, String nodeId) {
        return docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(Labels.NODE, nodeId))
                .exec();
    }

    /** Force-removes the containers of these nodes; returns how many there were. */
    public static int removeAll(String... nodeIds) throws Exception {
        int n = 0;
        try (DockerClient docker = DockerExecutor.client(Requirements.DOCKER_SOCKET)) {
            for (String node : nodeIds) {
                for (Container c : labelled(docker, node)) {
                    docker.removeContainerCmd(c.getId()).withForce(true).exec();
                    n++;
                }
            }
        }
        return n;
    }
}
