package io.mindstream;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** flink-conf/config.yaml parses with Flink's own loader and says what the cluster needs. */
class FlinkConfigTest {

    private static final Path PROJECT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));

    @Test
    void clusterConfigurationLoadsAndSetsRocksDbIncrementalCheckpointsAndBoundedRestarts() throws Exception {
        Configuration c = GlobalConfiguration.loadConfiguration(PROJECT.resolve("flink-conf").toString());
        assertEquals("rocksdb", c.get(StateBackendOptions.STATE_BACKEND));
        assertTrue(c.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS));
        assertEquals("filesystem", c.get(CheckpointingOptions.CHECKPOINT_STORAGE));
        assertTrue(c.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY).startsWith("file:///"));
        assertTrue(c.get(CheckpointingOptions.SAVEPOINT_DIRECTORY).startsWith("file:///"));
        assertEquals("exponential-delay", c.get(RestartStrategyOptions.RESTART_STRATEGY));
        assertEquals("org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                c.getString("metrics.reporter.prom.factory.class", null));
        String opts = c.get(CoreOptions.FLINK_JVM_OPTIONS);
        assertTrue(opts.startsWith("--add-modules jdk.incubator.vector"), opts);
        Matcher m = Pattern.compile("<jvm\\.flags>(.*?)</jvm\\.flags>", Pattern.DOTALL)
                .matcher(Files.readString(PROJECT.resolve("pom.xml")));
        assertTrue(m.find());
        assertEquals(m.group(1).trim(), opts.trim(), "env.java.opts.all equals pom.xml's jvm.flags");
    }
}
