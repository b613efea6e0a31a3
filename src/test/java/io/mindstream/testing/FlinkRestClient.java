package io.mindstream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The parts of Flink's REST API (the one the web UI and `flink run` use) that tests need: cluster overview,
 * TaskManagers, jar upload and run, job status, cancel. Every call has a timeout.
 */
public final class FlinkRestClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRestClient(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).GET().build();
        return send(request, path);
    }

    /**
     * TaskManagers that have registered and reported their slots. Registration and the slot report are two
     * separate calls to the ResourceManager, so a TaskManager can be listed with no slots for a moment.
     */
    public int registeredTaskManagers() throws IOException, InterruptedException {
        int ready = 0;
        for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
            if (tm.path("slotsNumber").asInt() > 0) {
                ready++;
            }
        }
        return ready;
    }

    /** Uploads a job jar as `flink run` and the web UI do (multipart form field "jarfile"); returns its id. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "----mindstream" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/jars/upload"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        JsonNode response = send(request, "/jars/upload");
        String filename = response.path("filename").asText();
        if (filename.isEmpty()) {
            throw new IOException("jar upload answered without a filename: " + response);
        }
        return Path.of(filename).getFileName().toString();
    }

    /** Runs an uploaded jar's main class with program arguments; returns the job id. */
    public String runJar(String jarId, String entryClass, List<String> programArgs, int parallelism)
            throws IOException, InterruptedException {
        return runJar(jarId, entryClass, programArgs, parallelism, null);
    }

    /**
     * Runs an uploaded jar, restoring from {@code savepointPath} (a savepoint or retained checkpoint) when it is
     * not null, as `flink run -s` does.
     */
    public String runJar(String jarId, String entryClass, List<String> programArgs, int parallelism,
            String savepointPath) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
        }
        if (entryClass != null) {
            body.put("entryClass", entryClass);
        }
        body.putArray("programArgsList").addAll(programArgs.stream().map(JSON.getNodeFactory()::textNode).toList());
        if (parallelism > 0) {
            body.put("parallelism", parallelism);
        }
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/jars/" + jarId + "/run"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        JsonNode response = send(request, "/jars/" + jarId + "/run");
        String jobId = response.path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new IOException("jar run answered without a job id: " + response);
        }
        return jobId;
    }

    /** The job's state (CREATED, RUNNING, RESTARTING, FAILED, ...). */
    public String jobState(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Number of running subtasks of a job: RUNNING means scheduled, this means every task really runs. */
    public int runningTasks(String jobId) throws IOException, InterruptedException {
        JsonNode counts = get("/jobs/" + jobId).path("status-counts");
        return counts.path("RUNNING").asInt(0);
    }

    public int totalTasks(String jobId) throws IOException, InterruptedException {
        int total = 0;
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            total += vertex.path("parallelism").asInt(0);
        }
        return total;
    }

    /** True when the job is RUNNING and every one of its subtasks is running (not just scheduled). */
    public boolean allTasksRunning(String jobId) throws IOException, InterruptedException {
        JsonNode job = get("/jobs/" + jobId);
        if (!job.path("state").asText().equals("RUNNING")) {
            return false;
        }
        int total = 0;
        for (JsonNode vertex : job.path("vertices")) {
            total += vertex.path("parallelism").asInt(0);
        }
        return total > 0 && job.path("status-counts").path("RUNNING").asInt(0) == job.path("vertices").size()
                && runningSubtasks(job) == total;
    }

    private static int runningSubtasks(JsonNode job) {
        int running = 0;
        for (JsonNode vertex : job.path("vertices")) {
            running += vertex.path("tasks").path("RUNNING").asInt(0);
        }
        return running;
    }

    /** Completed checkpoints of a job so far. */
    public long completedCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong(0);
    }

    /** How often the job restored its state from a checkpoint (once per recovery after a failure). */
    public long restoredCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("restored").asLong(0);
    }

    /**
     * Stops a job with a savepoint in {@code targetDirectory} (`flink stop`); returns the savepoint path once
     * the job has finished.
     */
    public String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("targetDirectory", targetDirectory);
        body.put("drain", false);
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/jobs/" + jobId + "/stop"))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        String trigger = send(request, "/jobs/" + jobId + "/stop").path("request-id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if (status.path("status").path("id").asText().equals("COMPLETED")) {
                JsonNode operation = status.path("operation");
                if (operation.has("failure-cause")) {
                    throw new IOException("stop with savepoint failed: " + operation.path("failure-cause"));
                }
                return operation.path("location").asText();
            }
            Thread.sleep(250);
        }
        throw new IOException("stop with savepoint of " + jobId + " did not complete within " + timeout);
    }

    public void cancel(String jobId) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/jobs/" + jobId + "?mode=cancel"))
                .timeout(TIMEOUT)
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("cancel " + jobId + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    private JsonNode send(HttpRequest request, String what) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(what + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
