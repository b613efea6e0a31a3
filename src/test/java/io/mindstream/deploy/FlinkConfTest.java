package io.mindstream.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * The deployed flink-conf/config.yaml parses, through Flink's own loader, to the settings the job relies on.
 * A misspelt key is silently ignored by Flink, so each assertion reads the typed option, not the raw text.
 */
class FlinkConfTest {

    static final Path CONF_DIR = Path.of(System.getProperty("basedir", "."), "flink-conf");

    private static Configuration conf;

    @BeforeAll
    static void load() {
        assertTrue(Files.isRegularFile(CONF_DIR.resolve("config.yaml")), "missing " + CONF_DIR.resolve("config.yaml"));
        conf = GlobalConfiguration.loadConfiguration(CONF_DIR.toString());
    }

    @Test
    void keyedStateLivesInRocksDbWithIncrementalCheckpoints() {
        assertEquals("rocksdb", conf.get(StateBackendOptions.STATE_BACKEND));
        assertTrue(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS));
        assertEquals("filesystem", conf.get(CheckpointingOptions.CHECKPOINT_STORAGE));
    }

    /**
     * LZ4 on every level; and the RocksDB library Flink bundles opens a database with it (RocksDB refuses at open a
     * compression type it was built without).
     */
    @Test
    void rocksDbCompressesOnlyItsBottomLevelsWithACodecItHas(@TempDir Path dir) throws Exception {
        List<CompressionType> perLevel = conf.get(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL);
        assertEquals(List.of(CompressionType.LZ4_COMPRESSION), perLevel);
        RocksDB.loadLibrary();
        try (Options options = new Options().setCreateIfMissing(true).setCompressionPerLevel(perLevel);
             RocksDB db = RocksDB.open(options, dir.toString())) {
            db.put(new byte[] {1}, new byte[] {2});
            assertArrayEquals(new byte[] {2}, db.get(new byte[] {1}));
        }
    }

    @Test
    void checkpointsAreExactlyOnceRetainedAndHaveDirectories() {
        assertEquals(CheckpointingMode.EXACTLY_ONCE, conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE));
        assertEquals(Duration.ofSeconds(5), conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
        assertEquals(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION,
                conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION));
        assertEquals(3, conf.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS));
        assertEquals("file:///tmp/mind-stream/checkpoints", conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
        assertEquals("file:///tmp/mind-stream/savepoints", conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY));
    }

    @Test
    void restartStrategyIsExponentialAndBounded() {
        assertEquals("exponential-delay", conf.get(RestartStrategyOptions.RESTART_STRATEGY));
        // The default attempt count is Integer.MAX_VALUE: the file must set a real bound.
        assertTrue(conf.contains(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS));
        int attempts = conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS);
        assertTrue(attempts > 0 && attempts <= 100, "attempts " + attempts);
        assertEquals(Duration.ofSeconds(1), conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF));
        assertEquals(Duration.ofMinutes(1), conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF));
    }

    @Test
    void everyFlinkJvmGetsTheVectorModuleAndFlinksModuleOpenings() {
        String opts = conf.get(CoreOptions.FLINK_JVM_OPTIONS);
        assertTrue(opts.contains("--add-modules jdk.incubator.vector"), opts);
        for (String required : new String[] {
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED"}) {
            assertTrue(opts.contains(required), "missing " + required);
        }
    }

    /**
     * The cluster's JVMs get at least the flags the build's tests and bin/mind-stream run with (pom.xml's
     * jvm.flags); the cluster list may hold more of Flink's defaults (the jdk.compiler exports of the Table
     * planner), never fewer.
     */
    @Test
    void clusterJvmOptionsContainEveryFlagOfTheBuild() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<jvm\\.flags>(.*?)</jvm\\.flags>",
                java.util.regex.Pattern.DOTALL).matcher(Files.readString(CONF_DIR.resolveSibling("pom.xml")));
        assertTrue(m.find(), "pom.xml has no <jvm.flags>");
        java.util.List<String> cluster = java.util.List.of(conf.get(CoreOptions.FLINK_JVM_OPTIONS).trim().split("\\s+"));
        for (String flag : m.group(1).trim().split("\\s+")) {
            assertTrue(cluster.contains(flag), "env.java.opts.all lacks " + flag + " from pom.xml's jvm.flags");
        }
    }

    @Test
    void memorySettingsResolveToValidProcessSpecs() {
        assertEquals(MemorySize.parse("4096m"), conf.get(TaskManagerOptions.TOTAL_PROCESS_MEMORY));
        assertEquals(0.4f, conf.get(TaskManagerOptions.MANAGED_MEMORY_FRACTION), 1e-6f);
        assertEquals(2, conf.get(TaskManagerOptions.NUM_TASK_SLOTS));
        // The same derivation Flink's start scripts run: it throws when the sizes contradict each other.
        TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        assertEquals(MemorySize.parse("4096m"), tm.getTotalProcessMemorySize());
        assertTrue(tm.getManagedMemorySize().getMebiBytes() > 1000, "managed " + tm.getManagedMemorySize());
        JobManagerProcessSpec jm = JobManagerProcessUtils.processSpecFromConfig(conf);
        assertEquals(MemorySize.parse("1600m"), jm.getTotalProcessMemorySize());
    }

    @Test
    void heartbeatsDetectALostTaskManagerWithinHalfAMinute() {
        assertEquals(Duration.ofSeconds(5), conf.get(HeartbeatManagerOptions.HEARTBEAT_INTERVAL));
        assertEquals(Duration.ofSeconds(30), conf.get(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT));
    }

    @Test
    void prometheusReporterIsConfigured() {
        assertEquals("org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                conf.getString("metrics.reporter.prom.factory.class", null));
        assertEquals("9249-9259", conf.getString("metrics.reporter.prom.port", null));
    }
}
