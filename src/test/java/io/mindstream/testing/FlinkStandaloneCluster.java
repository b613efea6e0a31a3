package io.mindstream.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A standalone Flink session cluster as separate JVMs, started the way flink-dist's jobmanager.sh and
 * taskmanager.sh start them, from Maven-resolved jars (target/cluster-classpath/flink.classpath).
 *
 * <p>The configuration is the project's flink-conf/config.yaml with test overrides on top: free loopback
 * ports, directories under a temp dir, small memory sizes, 1 s / 5 s heartbeats so a killed TaskManager is
 * noticed quickly, and a restart strategy that gives up after a few attempts so a broken job fails the test.
 * Process output and Flink's log files go to target/it-logs/NAME-TIMESTAMP/. {@link #close()} kills every
 * JVM and deletes the temp dir; a JVM shutdown hook does the same if the test JVM dies first.
 */
public final class FlinkStandaloneCluster implements AutoCloseable {

    static final String JOB_MANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

    private final String name;
    private final Path workDir;
    private final Path logDir;
    private final Path confDir;
    private final Configuration configuration;
    private final String classpath;
    private final int restPort;
    private final Map<ManagedProcess, Integer> prometheusPorts = new java.util.concurrent.ConcurrentHashMap<>();
    private final FlinkRestClient rest;
    private ManagedProcess jobManager;
    private final List<ManagedProcess> taskManagers = new ArrayList<>();
    private int taskManagersStarted;

    private FlinkStandaloneCluster(Builder b) throws IOException {
        this.name = b.name;
        this.classpath = TestPaths.clusterClasspath("flink");
        this.workDir = TestPaths.tempDir("flink-");
        this.logDir = TestPaths.logDir(name);
        this.confDir = Files.createDirectories(workDir.resolve("conf"));
        int[] ports = FreePorts.allocate(2);
        this.restPort = ports[0];

        Configuration conf = GlobalConfiguration.loadConfiguration(b.projectConfDir.toString());
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("jobmanager.rpc.address", "localhost");
        overrides.put("jobmanager.bind-host", "localhost");
        overrides.put("taskmanager.bind-host", "localhost");
        overrides.put("taskmanager.host", "localhost");
        overrides.put("rest.address", "localhost");
        overrides.put("rest.bind-address", "localhost");
        overrides.put("rest.port", String.valueOf(restPort));
        overrides.put("jobmanager.rpc.port", String.valueOf(ports[1]));
        // 0 = any free port, chosen by the process itself: nothing to collide with other builds.
        overrides.put("blob.server.port", "0");
        overrides.put("taskmanager.rpc.port", "0");
        overrides.put("taskmanager.data.port", "0");
        overrides.put("io.tmp.dirs", workDir.resolve("tmp").toString());
        overrides.put("web.tmpdir", workDir.resolve("web").toString());
        overrides.put("execution.checkpointing.dir", workDir.resolve("checkpoints").toUri().toString());
        overrides.put("execution.checkpointing.savepoint-dir", workDir.resolve("savepoints").toUri().toString());
        overrides.put("jobmanager.memory.process.size", "1024m");
        overrides.put("taskmanager.memory.process.size", "1536m");
        overrides.put("heartbeat.interval", "1s");
        overrides.put("heartbeat.timeout", "5s");
        // The deployed strategy (exponential delay) with short waits and few attempts.
        overrides.put("restart-strategy.exponential-delay.initial-backoff", "500ms");
        overrides.put("restart-strategy.exponential-delay.max-backoff", "4s");
        overrides.put("restart-strategy.exponential-delay.attempts-before-reset-backoff", "8");
        // A job that cannot get slots (no TaskManager) fails after this instead of waiting 5 minutes.
        overrides.put("slot.request.timeout", "60s");
        overrides.putAll(b.overrides);
        overrides.forEach(conf::setString);
        this.configuration = conf;

        Files.createDirectories(workDir.resolve("tmp"));
        Files.write(confDir.resolve("config.yaml"), ConfigurationUtils.convertConfigToWritableLines(conf, false));
        Files.writeString(confDir.resolve("log4j.properties"), LOG4J);
        this.rest = new FlinkRestClient(URI.create("http://localhost:" + restPort));
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Starts the JobManager and {@code taskManagers} TaskManagers and waits until all have registered. */
    public FlinkStandaloneCluster start(int taskManagers, Duration timeout) throws IOException, InterruptedException {
        startJobManager();
        Waits.until("the JobManager's REST API on port " + restPort, timeout, Duration.ofMillis(250),
                () -> rest.get("/overview").has("flink-version"), this::diagnostics);
        for (int i = 0; i < taskManagers; i++) {
            startTaskManager();
        }
        awaitTaskManagers(taskManagers, timeout);
        return this;
    }

    private void startJobManager() throws IOException {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(configuration);
        List<String> jvm = new ArrayList<>(jvmOptions(CoreOptions.FLINK_JM_JVM_OPTIONS.key()));
        jvm.addAll(split(JobManagerProcessUtils.generateJvmParametersStr(spec, configuration)));
        jvm.addAll(logOptions("jobmanager"));
        int metricsPort = FreePorts.allocate(1)[0];
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        // Each process gets its own Prometheus port, so a test knows which endpoint belongs to which process.
        args.addAll(List.of("-D", "metrics.reporter.prom.port=" + metricsPort));
        jobManager = ManagedProcess.start("jobmanager",
                ManagedProcess.javaCommand(jvm, classpath, JOB_MANAGER_MAIN, args), logDir.resolve("jobmanager.out"));
        prometheusPorts.put(jobManager, metricsPort);
    }

    /** Starts one more TaskManager JVM (a fresh resource id, as after a machine replacement). */
    public ManagedProcess startTaskManager() throws IOException {
        // The memory flags Flink's taskmanager.sh gets from BashJavaUtils GET_TM_RESOURCE_PARAMS.
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(configuration);
        List<String> jvm = new ArrayList<>(jvmOptions(CoreOptions.FLINK_TM_JVM_OPTIONS.key()));
        jvm.addAll(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        String id = "taskmanager-" + taskManagersStarted++;
        jvm.addAll(logOptions(id));
        int metricsPort = FreePorts.allocate(1)[0];
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        args.addAll(List.of("-D", "metrics.reporter.prom.port=" + metricsPort));
        ManagedProcess tm = ManagedProcess.start(id,
                ManagedProcess.javaCommand(jvm, classpath, TASK_MANAGER_MAIN, args), logDir.resolve(id + ".out"));
        taskManagers.add(tm);
        prometheusPorts.put(tm, metricsPort);
        return tm;
    }

    /** SIGKILLs a running TaskManager, as a crashed machine would disappear. */
    public void killTaskManager(ManagedProcess tm) {
        tm.kill();
        taskManagers.remove(tm);
    }

    public List<ManagedProcess> taskManagers() {
        return List.copyOf(taskManagers);
    }

    public void awaitTaskManagers(int count, Duration timeout) throws InterruptedException {
        Waits.until(count + " registered TaskManager(s)", timeout, Duration.ofMillis(250),
                () -> rest.registeredTaskManagers() == count, this::diagnostics);
    }

    /** Uploads a job jar and runs it with program arguments; returns the job id once every subtask runs. */
    public String submit(Path jobJar, List<String> programArgs, int parallelism, Duration timeout)
            throws IOException, InterruptedException {
        String jarId = rest.uploadJar(jobJar);
        String jobId = rest.runJar(jarId, null, programArgs, parallelism);
        awaitJobRunning(jobId, timeout);
        return jobId;
    }

    /** Waits until every subtask of the job runs; fails early when the job reaches a terminal state. */
    public void awaitJobRunning(String jobId, Duration timeout) throws InterruptedException {
        Waits.until("every subtask of job " + jobId + " running", timeout, Duration.ofMillis(250), () -> {
            String state = rest.jobState(jobId);
            if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
                throw new IllegalStateException("job " + jobId + " is " + state);
            }
            return rest.allTasksRunning(jobId);
        }, this::diagnostics);
    }

    public FlinkRestClient rest() {
        return rest;
    }

    public int restPort() {
        return restPort;
    }

    /** The port of a JobManager's or TaskManager's Prometheus endpoint (http://localhost:PORT/metrics). */
    public int prometheusPort(ManagedProcess process) {
        Integer port = prometheusPorts.get(process);
        if (port == null) {
            throw new IllegalArgumentException(process + " is not a process of this cluster");
        }
        return port;
    }

    /** The directory holding the cluster's config.yaml: what a client loads with GlobalConfiguration. */
    public Path confDir() {
        return confDir;
    }

    public Configuration configuration() {
        return new Configuration(configuration);
    }

    public Path checkpointDir() {
        return workDir.resolve("checkpoints");
    }

    public Path logDir() {
        return logDir;
    }

    public ManagedProcess jobManager() {
        return jobManager;
    }

    /** The tails of every process's output and Flink log, for failure messages. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder("Flink cluster " + name + " logs in " + logDir + "\n");
        try (var files = Files.list(logDir)) {
            for (Path f : files.sorted().toList()) {
                sb.append("---- ").append(f.getFileName()).append('\n').append(ManagedProcess.tail(f, 15)).append('\n');
            }
        } catch (IOException e) {
            sb.append(e);
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (ManagedProcess tm : taskManagers) {
            tm.kill();
        }
        taskManagers.clear();
        if (jobManager != null) {
            jobManager.kill();
        }
        TestPaths.deleteQuietly(workDir);
    }

    private List<String> jvmOptions(String processKey) {
        List<String> opts = new ArrayList<>(split(configuration.get(CoreOptions.FLINK_JVM_OPTIONS)));
        opts.addAll(split(configuration.getString(processKey, "")));
        opts.add("-XX:+UseParallelGC");
        opts.add("-Djava.io.tmpdir=" + workDir.resolve("tmp"));
        return opts;
    }

    private List<String> logOptions(String process) {
        return List.of(
                "-Dlog.file=" + logDir.resolve(process + ".log"),
                "-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri(),
                "-Dlog4j2.shutdownHookEnabled=false");
    }

    private static List<String> split(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    private static final String LOG4J = String.join("\n",
            "monitorInterval = 0",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = MainAppender",
            "appender.main.name = MainAppender",
            "appender.main.type = File",
            "appender.main.append = true",
            "appender.main.fileName = ${sys:log.file}",
            "appender.main.layout.type = PatternLayout",
            "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-50c{1.} [%t] - %m%n",
            "logger.kafka.name = org.apache.kafka",
            "logger.kafka.level = WARN",
            "logger.akka.name = org.apache.pekko",
            "logger.akka.level = WARN",
            "");

    /** Configuration of a cluster before it starts. */
    public static final class Builder {
        private final String name;
        private Path projectConfDir = TestPaths.basedir().resolve("flink-conf");
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = name;
        }

        /** Sets a configuration key on top of flink-conf/config.yaml and the test defaults. */
        public Builder set(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public Builder projectConfDir(Path dir) {
            this.projectConfDir = dir;
            return this;
        }

        public FlinkStandaloneCluster build() throws IOException {
            return new FlinkStandaloneCluster(this);
        }
    }
}
