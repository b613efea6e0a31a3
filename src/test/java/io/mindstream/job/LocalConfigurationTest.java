package io.mindstream.job;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local mode runs with the deployment's flink-conf/config.yaml, minus what only separate processes use. */
class LocalConfigurationTest {

    @AfterEach
    void clear() {
        System.clearProperty(StreamingJob.HOME_PROPERTY);
    }

    @Test
    void theProjectsConfigFileConfiguresTheEmbeddedRuntime() {
        assertTrue(System.getenv("FLINK_CONF_DIR") == null || System.getenv("FLINK_CONF_DIR").isEmpty(),
                "this test reads the project's own file; FLINK_CONF_DIR would override it");
        System.setProperty(StreamingJob.HOME_PROPERTY, Path.of("").toAbsolutePath().toString());
        Configuration c = StreamingJob.clusterConfiguration();
        assertEquals("rocksdb", value(c, "state.backend.type"));
        assertEquals("true", value(c, "execution.checkpointing.incremental"));
        assertEquals("10ms", value(c, "execution.buffer-timeout.interval"));
        assertEquals("exponential-delay", value(c, "restart-strategy.type"));
        for (String dropped : new String[] {"rest.port", "jobmanager.rpc.address", "jobmanager.memory.process.size",
            "taskmanager.memory.process.size", "env.java.opts.all", "taskmanager.host"}) {
            assertFalse(c.containsKey(dropped), dropped + " describes a separate process and is dropped");
        }
    }

    @Test
    void reportersWhoseFactoryIsNotOnTheClasspathAreLeftOut() {
        Configuration c = new Configuration();
        c.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.NoSuchFactory");
        c.setString("metrics.reporter.prom.port", "9249-9259");
        c.setString("metrics.reporter.bench.factory.class", PresentFactory.class.getName());
        c.setString("metrics.reporter.bench.interval", "1 s");
        c.setString("metrics.latency.interval", "0");
        StreamingJob.dropUnavailableReporters(c);
        assertFalse(c.containsKey("metrics.reporter.prom.factory.class"));
        assertFalse(c.containsKey("metrics.reporter.prom.port"));
        assertEquals(PresentFactory.class.getName(),
                value(c, "metrics.reporter.bench.factory.class"));
        assertEquals("1 s", value(c, "metrics.reporter.bench.interval"));
        assertEquals("0", value(c, "metrics.latency.interval"));
    }

    @Test
    void withoutAConfigFileTheRuntimeKeepsFlinksDefaults(@org.junit.jupiter.api.io.TempDir Path empty) {
        assertTrue(System.getenv("FLINK_CONF_DIR") == null, "FLINK_CONF_DIR would override the home directory");
        System.setProperty(StreamingJob.HOME_PROPERTY, empty.toString());
        assertTrue(StreamingJob.clusterConfiguration().keySet().isEmpty());
    }

    /** A reporter factory that is on the classpath. */
    public static final class PresentFactory implements org.apache.flink.metrics.reporter.MetricReporterFactory {
        @Override
        public org.apache.flink.metrics.reporter.MetricReporter createMetricReporter(java.util.Properties properties) {
            throw new UnsupportedOperationException("only its presence is tested");
        }
    }

    private static String value(Configuration c, String key) {
        return c.get(ConfigOptions.key(key).stringType().noDefaultValue());
    }
}
