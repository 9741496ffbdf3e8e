package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.model.Json;
import io.shoal.model.Task;
import io.shoal.model.TaskState;
import io.shoal.netlink.ns.NetNs;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code shoal dns query NAME --from TASK}: asks a task's embedded DNS server (127.0.0.11:53 inside
 * the task's network namespace) what the task would be told. The task is looked up through the
 * manager; its namespace, {@code /run/netns/<prefix><task id>}, exists only on the node that runs
 * it, so the query runs there (as root): on any other host the command says where the task runs.
 */
@Command(name = "dns", description = "Ask the embedded DNS server", subcommands = DnsCommand.Query.class)
final class DnsCommand {
    @ParentCommand
    Shoal root;

    @Command(name = "query", description = "Resolve NAME as task TASK would (run on the task's node, as root)")
    static final class Query implements Runnable {
        @ParentCommand
        DnsCommand parent;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(
                names = "--from",
                required = true,
                paramLabel = "TASK",
                description = "A task id (or unique prefix), or SERVICE.SLOT / SERVICE.NODE")
        String from;

        @Option(names = "--type", defaultValue = "A", description = "A, AAAA, SRV or PTR (default ${DEFAULT-VALUE})")
        String type;

        @Option(names = "--netns-prefix", defaultValue = "shoal-", description = "The agents' --netns-prefix")
        String prefix;

        @Option(names = "--timeout", defaultValue = "2s", description = "How long to wait for the answer")
        String timeout;

        @Option(names = "--format", defaultValue = "table", description = "table or json")
        String format;

        @Option(
                names = {"-q", "--short"},
                description = "Only the answers' data, one a line")
        boolean quiet;

        @Override
        public void run() {
            DnsWire.Type t = DnsWire.Type.parse(type);
            if (!format.equals("table") && !format.equals("json")) {
                throw new Shoal.UsageError("--format: '" + format + "' is not one of table, json");
            }
            long timeoutMs = Durations.parse("--timeout", timeout).toMillis();
            byte[] query = DnsWire.query(0, name, t); // validates NAME before any request
            Shoal root = parent.root;
            ApiClient api = root.client();
            Task task = findTask(api, from);
            String node = task.nodeId() == null || task.nodeId().isEmpty() ? "" : task.nodeId();
            String host = node.isEmpty()
                    ? ""
                    : api.get("/nodes/" + node)
                            .path("description")
                            .path("hostname")
                            .asText(node);
            Path ns = NetNs.RUN_NETNS.resolve(prefix + task.id());
            String which = "task " + from + (from.equals(task.id()) ? "" : " (" + task.id() + ")");
            if (!Files.exists(ns)) {
                throw new IllegalArgumentException(
                        node.isEmpty()
                                ? which + " has no node yet (not scheduled), so it has no DNS to ask"
                                : which + " runs on node " + node + " (" + host + "); its namespace " + ns
                                        + " is not on this host: run 'shoal dns query' on " + host);
            }
            int id = new SecureRandom().nextInt(1 << 16);
            query = DnsWire.query(id, name, t);
            byte[] sent = query;
            DnsWire.Reply reply;
            try (NetNs netns = NetNs.open(prefix + task.id())) {
                reply = netns.run(() -> ask(sent, id, timeoutMs));
            } catch (RuntimeException e) {
                Throwable why = e.getCause() != null ? e.getCause() : e;
                throw new IllegalArgumentException(
                        "cannot query from task " + task.id() + " (namespace " + ns + "; needs root): "
                                + why.getMessage(),
                        e);
            }
            if (format.equals("json")) {
                ObjectNode o = Json.mapper().createObjectNode();
                o.put("name", name).put("type", t.name()).put("task", task.id()).put("node", node);
                o.put("server", "127.0.0.11:53").put("rcode", reply.rcode()).put("truncated", reply.truncated());
                ArrayNode a = o.putArray("answers");
                for (DnsWire.Answer x : reply.answers()) {
                    a.addObject()
                            .put("name", x.name())
                            .put("type", x.type())
                            .put("ttl", x.ttl())
                            .put("data", x.data());
                }
                root.out.println(o.toPrettyString());
            } else if (quiet) {
                reply.answers().forEach(x -> root.out.println(x.data()));
            } else {
                root.out.println(";; " + name + " " + t.name() + " from task " + task.id() + " on " + host
                        + " (127.0.0.11:53): " + reply.rcode());
                for (DnsWire.Answer x : reply.answers()) {
                    root.out.println(x.name() + "\t" + x.ttl() + "\tIN\t" + x.type() + "\t" + x.data());
                }
            }
            if (!reply.rcode().equals("NOERROR")) {
                throw new IllegalArgumentException(
                        name + ": " + reply.rcode() + " (as seen from task " + task.id() + ")");
            }
        }

        private static DnsWire.Reply ask(byte[] query, int id, long timeoutMs) throws Exception {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                s.setSoTimeout((int) Math.max(1, timeoutMs));
                InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("127.0.0.11"), 53);
                s.send(new DatagramPacket(query, query.length, server));
                byte[] buf = new byte[4096];
                long deadline = System.nanoTime() + timeoutMs * 1_000_000;
                while (true) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        s.receive(p);
                    } catch (SocketTimeoutException e) {
                        throw new IllegalStateException("no answer from 127.0.0.11:53 within " + timeoutMs + " ms");
                    }
                    if (p.getLength() >= 2 && ((buf[0] & 0xff) << 8 | (buf[1] & 0xff)) == id) {
                        return DnsWire.parse(buf, p.getLength(), id);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no answer from 127.0.0.11:53 within " + timeoutMs + " ms");
                    }
                }
            }
        }

        /** By exact id, SERVICE.SLOT / SERVICE.NODE (the live task), or a unique id prefix. */
        static Task findTask(ApiClient api, String ref) {
            Tasks all = Tasks.read(api.get("/tasks"));
            Map<String, String> serviceNames = new HashMap<>();
            for (JsonNode s : api.get("/services")) {
                serviceNames.put(
                        s.path("meta").path("id").asText(),
                        s.path("spec").path("name").asText());
            }
            List<Task> prefixed = new ArrayList<>();
            Task byName = null;
            for (Tasks.Entry e : all.all()) {
                Task t = e.task();
                if (t.id().equals(ref)) {
                    return t;
                }
                String svc = serviceNames.getOrDefault(t.serviceId(), t.serviceId());
                String slotName = svc + "." + (t.slot() > 0 ? Integer.toString(t.slot()) : t.nodeId());
                if (slotName.equals(ref) && t.desiredState() == TaskState.RUNNING) {
                    byName = t;
                }
                if (t.id().startsWith(ref)) {
                    prefixed.add(t);
                }
            }
            if (byName != null) {
                return byName;
            }
            if (prefixed.size() == 1) {
                return prefixed.get(0);
            }
            if (prefixed.size() > 1) {
                throw new IllegalArgumentException("task '" + ref + "' is ambiguous (" + prefixed.size() + " tasks)");
            }
            throw new IllegalArgumentException("task '" + ref + "' not found");
        }
    }
}
