package io.shoal.testbed.vm;

import static org.assertj.core.api.Assertions.assertThat;

import io.shoal.testbed.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks {@code testbed/Vagrantfile} without Vagrant: Ruby parses it, and evaluating it (with
 * {@code vm/vagrant/check-vagrantfile.rb} standing in for Vagrant) yields managers and workers on
 * the test underlay, each provisioned first by the {@code provision.sh} that CI runs.
 */
class VagrantfileTest {
    private static final Path TESTBED = Path.of("").toAbsolutePath();
    private static final Path VAGRANTFILE = TESTBED.resolve("Vagrantfile");
    private static final Duration LIMIT = Duration.ofSeconds(30);

    /** One machine as the Vagrantfile defines it. */
    private record Machine(String name, String ip, String netmask, List<String> provisionPaths) {}

    @BeforeEach
    void needRuby() {
        Requirements.require(Command.onPath("ruby"), "ruby to evaluate the Vagrantfile (apt-get install ruby)");
    }

    @Test
    void vagrantfileIsValidRuby() {
        Command.Result result = Command.run(LIMIT, List.of("ruby", "-c", VAGRANTFILE.toString()));
        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.stdout()).contains("Syntax OK");
    }

    @Test
    void defaultClusterIsOneManagerAndTwoWorkersOnTheTestUnderlay() {
        List<String> facts = evaluate(Map.of());
        List<Machine> machines = machines(facts);

        assertThat(machines).extracting(Machine::name).containsExactly("manager1", "worker1", "worker2");
        assertThat(machines).allSatisfy(m -> {
            assertThat(m.ip()).startsWith("198.18.");
            assertThat(m.netmask()).isEqualTo("255.255.0.0");
        });
        assertThat(machines).extracting(Machine::ip).doesNotHaveDuplicates();
        assertThat(facts).contains("provider\tlibvirt", "provider\tvirtualbox");
    }

    @Test
    void everyMachineIsProvisionedFirstByTheScriptCiRuns() {
        Path provision = TESTBED.resolve("provision.sh");
        Requirements.require(
                Files.exists(provision), "testbed/provision.sh (written on the testbed branch; present once merged)");

        for (Machine machine : machines(evaluate(Map.of()))) {
            assertThat(machine.provisionPaths())
                    .as(machine.name() + " provisioning")
                    .first()
                    .isEqualTo("provision.sh");
            for (String path : machine.provisionPaths()) {
                // Vagrant resolves shell provisioner paths against the Vagrantfile's folder, uploads
                // the script and runs it, so it need not be executable here.
                assertThat(TESTBED.resolve(path))
                        .as(machine.name() + " runs " + path)
                        .isRegularFile();
            }
        }
    }

    @Test
    void machineCountsComeFromTheEnvironment() {
        List<Machine> machines = machines(evaluate(Map.of("SHOAL_MANAGERS", "3", "SHOAL_WORKERS", "0")));

        assertThat(machines).extracting(Machine::name).containsExactly("manager1", "manager2", "manager3");
        assertThat(machines).extracting(Machine::ip).containsExactly("198.18.1.1", "198.18.1.2", "198.18.1.3");
    }

    @Test
    void badMachineCountIsRejectedNamingTheVariable() {
        Command.Result result = Command.run(LIMIT, Map.of("SHOAL_WORKERS", "many"), checkCommand());

        assertThat(result.exitCode()).as(result.describe()).isNotZero();
        assertThat(result.stderr()).contains("SHOAL_WORKERS=\"many\"").contains("expected a whole number");
    }

    @Test
    void firstManagerRunsTheManagerWithItsZooKeeperAndAnAgent() throws Exception {
        Command.Result result = dryRun("form-cluster.sh", "manager", "198.18.1.1", "manager1");

        assertThat(result.ok()).as(result.describe()).isTrue();
        List<String> units = execStarts(result.stdout());
        assertThat(units).hasSize(2);
        assertThat(units.get(0))
                .contains("io.shoal.controlplane.startup.ShoalManager")
                .contains("--zookeeper-listen 198.18.1.1:2181")
                .contains("--listen 198.18.1.1:2377");
        assertThat(units.get(1))
                .contains("io.shoal.agent.Shoald")
                .contains("--zookeeper 198.18.1.1:2181")
                .contains("--advertise-addr 198.18.1.1")
                .contains("--executor docker");
        assertThat(result.stdout()).contains("swarm join-token --rotate -q worker");
        checkOptionsExist(units.get(0), "controlplane/src/main/java/io/shoal/controlplane/startup/ManagerOptions.java");
        checkOptionsExist(units.get(1), "agent/src/main/java/io/shoal/agent/Shoald.java");
    }

    @Test
    void workerJoinsManager1WithARotatedWorkerTokenAndOtherManagersStandBy() throws Exception {
        Command.Result worker = dryRun("form-cluster.sh", "worker", "198.18.2.1", "worker1");
        assertThat(worker.ok()).as(worker.describe()).isTrue();
        List<String> units = execStarts(worker.stdout());
        assertThat(units)
                .singleElement()
                .asString()
                .contains("io.shoal.agent.Shoald")
                .contains("--advertise-addr 198.18.2.1");
        checkOptionsExist(units.get(0), "agent/src/main/java/io/shoal/agent/Shoald.java");

        Command.Result manager2 = dryRun("form-cluster.sh", "manager", "198.18.1.2", "manager2");
        assertThat(manager2.ok()).as(manager2.describe()).isTrue();
        List<String> managerUnits = execStarts(manager2.stdout());
        assertThat(managerUnits).hasSize(2);
        assertThat(managerUnits.get(0)).contains("--zookeeper 198.18.1.1:2181").doesNotContain("--zookeeper-listen");
        checkOptionsExist(
                managerUnits.get(0), "controlplane/src/main/java/io/shoal/controlplane/startup/ManagerOptions.java");
    }

    @Test
    void badRoleOrAddressIsRefusedNamingTheVariable() {
        Command.Result role = dryRun("form-cluster.sh", "boss", "198.18.2.1", "w");
        assertThat(role.exitCode()).as(role.describe()).isNotZero();
        assertThat(role.stderr()).contains("SHOAL_ROLE='boss'");

        Command.Result ip = dryRun("form-cluster.sh", "worker", "198.18.2", "w");
        assertThat(ip.exitCode()).as(ip.describe()).isNotZero();
        assertThat(ip.stderr()).contains("SHOAL_NODE_IP='198.18.2'");
    }

    @Test
    void demoPublishesWebOnAppnet() {
        Command.Result result = dryRun("demo-service.sh", "worker", "198.18.2.2", "worker2");
        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.stdout())
                .contains("shoal network create appnet")
                .contains(
                        "shoal service create --name web --replicas 3 -p 8080:80 --network appnet shoal/busybox:test");
    }

    private static Command.Result dryRun(String script, String role, String ip, String name) {
        return Command.run(
                LIMIT,
                Map.of(
                        "SHOAL_DRY_RUN", "1",
                        "SHOAL_ROLE", role,
                        "SHOAL_NODE_IP", ip,
                        "SHOAL_MANAGER_IP", "198.18.1.1",
                        "SHOAL_NODE_NAME", name),
                List.of("bash", TESTBED.resolve("vm/vagrant/" + script).toString()));
    }

    private static List<String> execStarts(String stdout) {
        return stdout.lines().filter(l -> l.startsWith("ExecStart=")).toList();
    }

    /** Every {@code --option} of a unit's command line is one the main class really parses. */
    private static void checkOptionsExist(String execStart, String source) throws Exception {
        String code = Files.readString(TESTBED.getParent().resolve(source));
        for (String word : execStart.split(" ")) {
            if (word.startsWith("--")) {
                assertThat(code).as("%s parses %s", source, word).contains("\"" + word + "\"");
            }
        }
    }

    private static List<String> checkCommand() {
        return List.of(
                "ruby", TESTBED.resolve("vm/vagrant/check-vagrantfile.rb").toString(), VAGRANTFILE.toString());
    }

    private static List<String> evaluate(Map<String, String> env) {
        Command.Result result = Command.run(LIMIT, env, checkCommand());
        assertThat(result.ok()).as(result.describe()).isTrue();
        return result.stdout().lines().toList();
    }

    private static List<Machine> machines(List<String> facts) {
        List<Machine> machines = new ArrayList<>();
        for (String fact : facts) {
            String[] f = fact.split("\t", -1);
            if (f[0].equals("machine")) {
                String ip = "";
                String netmask = "";
                List<String> paths = new ArrayList<>();
                for (String other : facts) {
                    String[] o = other.split("\t", -1);
                    if (o[0].equals("network") && o[1].equals(f[1]) && o[2].equals("private_network")) {
                        ip = o[3];
                        netmask = o[4];
                    } else if (o[0].equals("provision") && o[1].equals(f[1])) {
                        paths.add(o[4]);
                    }
                }
                machines.add(new Machine(f[1], ip, netmask, paths));
            }
        }
        return machines;
    }
}
