package io.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.model.Task;
import io.shoal.model.TaskStatus;
import java.util.ArrayList;
import java.util.List;

/** Tasks as the API lists them: the leader's record and, beside it, the agent's latest report. */
record Tasks(List<Entry> all) {
    record Entry(Task task, TaskStatus status) {}

    static Tasks read(JsonNode array) {
        List<Entry> out = new ArrayList<>();
        for (JsonNode n : array) {
            Task t = ApiClient.as(n, Task.class);
            TaskStatus st = t.status();
            if (n.hasNonNull("reportedStatus")) {
                TaskStatus reported = ApiClient.as(n.get("reportedStatus"), TaskStatus.class);
                // The agent's word counts once it moved the task on from what the leader recorded.
                if (reported.state().compareTo(st.state()) >= 0) {
                    st = reported;
                }
            }
            out.add(new Entry(t, st));
        }
        return new Tasks(out);
    }
}
