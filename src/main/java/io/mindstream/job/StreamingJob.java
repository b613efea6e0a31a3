package io.mindstream.job;

import io.mindstream.job.feature.RedisSink;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The entry point of the streaming job. {@link #main} is what `flink run` calls with the job jar; the
 * {@code run --local} command calls {@link #runLocal}, which runs the same job on an embedded Flink runtime
 * and resumes from the newest retained checkpoint or savepoint in the checkpoint directory.
 */
public final class StreamingJob {

    private static final Logger LOG = LoggerFactory.getLogger(StreamingJob.class);

    private StreamingJob() {
    }

    public static void main(String[] args) throws Exception {
        JobOptions options;
        try {
            options = JobOptions.fromArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mind-stream: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration(options));
        buildKafkaPipeline(env, options);
        env.execute(options.jobName());
    }

    /** The Flink settings the job needs: RocksDB with incremental checkpoints, retained on cancellation, no Kryo. */
    public static Configuration configuration(JobOptions o) {
        Configuration c = new Configuration();
        c.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        c.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, o.checkpointInterval());
        c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        c.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (!o.checkpointDir().isEmpty()) {
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, toUri(o.checkpointDir()));
            c.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, toUri(o.checkpointDir()) + "/savepoints");
        }
        // Every state and record type has an explicit serializer or is a POJO; fail rather than fall back to Kryo.
        c.set(PipelineOptions.GENERIC_TYPES, false);
        if (o.parallelism() > 0) {
            c.set(org.apache.flink.configuration.CoreOptions.DEFAULT_PARALLELISM, o.parallelism());
        }
        return c;
    }

    public static void buildKafkaPipeline(StreamExecutionEnvironment env, JobOptions o) {
        InterestPipeline.build(env, KafkaConnectors.clicksSource(o, false), KafkaConnectors.weightsSource(o, false),
                KafkaConnectors.interestsSink(o), KafkaConnectors.deadLetterSink(o),
                o.featureStoreOptions().map(RedisSink::forInterestUpdates).orElse(null), o);
    }

    /**
     * Runs the job in this process until it fails or the JVM is asked to stop (SIGTERM, Ctrl-C), in which case
     * it stops with a savepoint in the checkpoint directory, so the next start resumes exactly there.
     */
    public static void runLocal(JobOptions o) throws Exception {
        LocalJob job = startLocal(o);
        // stop() returns once the savepoint is complete and the job has ended; the JVM may then exit.
        Thread hook = new Thread(job::stop, "mind-stream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            job.await();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook has stopped the job
            }
        }
    }

    /**
     * Starts the job on an embedded Flink runtime, resuming from the newest completed checkpoint or savepoint in
     * {@code --checkpoint-dir}.
     */
    public static LocalJob startLocal(JobOptions o) throws Exception {
        if (o.checkpointDir().isEmpty()) {
            throw new IllegalArgumentException("--checkpoint-dir is required with --local (the job resumes from it)");
        }
        if (o.checkpointDir().contains("://") && !o.checkpointDir().startsWith("file://")) {
            throw new IllegalArgumentException("--checkpoint-dir must be a local directory with --local");
        }
        Path dir = (o.checkpointDir().startsWith("file://") ? Paths.get(java.net.URI.create(o.checkpointDir()))
                : Paths.get(o.checkpointDir())).toAbsolutePath();
        Files.createDirectories(dir);
        JobOptions local = o.withCheckpointDir(dir.toString());
        Configuration conf = clusterConfiguration();
        conf.addAll(configuration(local));
        Optional<Path> resume = latestRestorePoint(dir);
        resume.ifPresent(p -> {
            LOG.info("Resuming from {}", p);
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toUri().toString());
        });
        int parallelism = o.parallelism() > 0 ? o.parallelism() : Runtime.getRuntime().availableProcessors();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        buildKafkaPipeline(env, local);
        return new LocalJob(env.executeAsync(o.jobName()), dir, resume.orElse(null));
    }

    /** Where the local mode finds the cluster configuration when FLINK_CONF_DIR is not set. */
    public static final String HOME_PROPERTY = "mindstream.home";

    /**
     * The deployment's configuration file, so that the local mode runs with what is deployed: config.yaml in
     * {@code $FLINK_CONF_DIR}, else in {@code <mindstream.home>/flink-conf} (the launcher sets mindstream.home);
     * empty when neither exists. The settings that describe a cluster of separate processes (addresses, fixed
     * ports, process sizes) do not apply to an embedded runtime and are dropped; the job's own settings are
     * applied on top by the caller.
     */
    public static Configuration clusterConfiguration() {
        String dir = System.getenv("FLINK_CONF_DIR");
        if (dir == null || dir.isEmpty()) {
            String home = System.getProperty(HOME_PROPERTY);
            dir = home == null ? null : Paths.get(home, "flink-conf").toString();
        }
        if (dir == null || !Files.isRegularFile(Paths.get(dir, "config.yaml"))) {
            return new Configuration();
        }
        Configuration loaded = GlobalConfiguration.loadConfiguration(dir);
        Configuration c = new Configuration();
        for (String key : loaded.keySet()) {
            if (!key.startsWith("jobmanager.rpc.") && !key.startsWith("jobmanager.memory.")
                    && !key.startsWith("taskmanager.memory.process") && !key.startsWith("taskmanager.memory.flink")
                    && !key.startsWith("rest.") && !key.endsWith("bind-host") && !key.equals("taskmanager.host")
                    && !key.startsWith("env.java.opts")) {
                ConfigOption<String> option = ConfigOptions.key(key).stringType().noDefaultValue();
                loaded.getOptional(option).ifPresent(v -> c.set(option, v));
            }
        }
        dropUnavailableReporters(c);
        LOG.info("Local runtime configured from {}/config.yaml", dir);
        return c;
    }

    /**
     * Removes the metrics reporters whose factory class is not on this classpath. A cluster loads them from its
     * plugins directory (the Prometheus reporter ships in Flink's distribution, not in this project's jars); an
     * embedded runtime would only warn that the factory is missing. Its metrics stay in Flink's metric groups.
     */
    static void dropUnavailableReporters(Configuration c) {
        String prefix = "metrics.reporter.";
        String suffix = ".factory.class";
        for (String key : List.copyOf(c.keySet())) {
            if (!key.startsWith(prefix) || !key.endsWith(suffix)) {
                continue;
            }
            String name = key.substring(prefix.length(), key.length() - suffix.length());
            String factory = c.get(ConfigOptions.key(key).stringType().noDefaultValue());
            try {
                Class.forName(factory, false, StreamingJob.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                String scope = prefix + name + ".";
                for (String k : List.copyOf(c.keySet())) {
                    if (k.startsWith(scope)) {
                        c.removeKey(k);
                    }
                }
                LOG.info("Metrics reporter '{}' left out of the local runtime: {} is not on the classpath", name,
                        factory);
            }
        }
    }

    /** A job running on an embedded runtime. */
    public static final class LocalJob {
        private final JobClient client;
        private final Path dir;
        private final Path resumedFrom;

        LocalJob(JobClient client, Path dir, Path resumedFrom) {
            this.client = client;
            this.dir = dir;
            this.resumedFrom = resumedFrom;
        }

        /** The checkpoint or savepoint this run resumed from, if any. */
        public Optional<Path> resumedFrom() {
            return Optional.ofNullable(resumedFrom);
        }

        public JobClient client() {
            return client;
        }

        /** Blocks until the job ends; throws if it failed. */
        public void await() throws Exception {
            client.getJobExecutionResult().get();
        }

        /** Stops with a savepoint in the checkpoint directory, or cancels when that fails. */
        public void stop() {
            try {
                String savepoint = client.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
                LOG.info("Stopped with savepoint {}", savepoint);
            } catch (Exception e) {
                LOG.warn("Stop with savepoint failed ({}); cancelling, the next start resumes from the last "
                        + "checkpoint", e.toString());
                cancel();
            }
        }

        /** Cancels (the retained checkpoints stay), as a crash would leave things; waits until it is gone. */
        public void cancel() {
            try {
                client.cancel().get(30, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline
                        && !client.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception ignored) {
                // already gone
            }
        }
    }

    /**
     * The newest completed checkpoint or savepoint under {@code dir}: a directory holding a {@code _metadata}
     * file (Flink writes that file last, so its presence means complete), at most three levels down
     * (dir/JOB_ID/chk-N/_metadata, dir/savepoints/savepoint-X/_metadata).
     */
    public static Optional<Path> latestRestorePoint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.find(dir, 3, (p, a) -> a.isRegularFile()
                && p.getFileName().toString().equals("_metadata"))) {
            return files.max((a, b) -> compareTime(mtime(a), mtime(b))).map(Path::getParent);
        }
    }

    private static int compareTime(FileTime a, FileTime b) {
        return a.compareTo(b);
    }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static String toUri(String dir) {
        return dir.contains("://") ? dir : Paths.get(dir).toAbsolutePath().toUri().toString();
    }
}
