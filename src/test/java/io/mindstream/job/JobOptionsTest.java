package io.mindstream.job;

import io.mindstream.event.OutputFormat;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobOptionsTest {

    private static final String[] REQUIRED = {"--bootstrap-servers", "localhost:9092", "--clicks-topic", "clicks",
        "--interests-topic", "interests", "--weights-topic", "weights", "--dead-letter-topic", "dlq"};

    private static String[] with(String... extra) {
        List<String> all = new ArrayList<>(Arrays.asList(REQUIRED));
        all.addAll(Arrays.asList(extra));
        return all.toArray(new String[0]);
    }

    private static String error(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> JobOptions.fromArgs(args)).getMessage();
    }

    @Test
    void defaults() {
        JobOptions o = JobOptions.fromArgs(REQUIRED);
        assertEquals(OutputFormat.BINARY, o.outputFormat());
        assertEquals(JobOptions.Delivery.EXACTLY_ONCE, o.delivery());
        assertEquals(Duration.ofSeconds(5), o.checkpointInterval());
        assertEquals(Duration.ofDays(30), o.stateTtl());
        assertTrue(o.refreshOnModelChange());
        assertEquals(100, o.windowLength());
        assertEquals(946_684_800_000L, o.minTs());
        assertEquals(Duration.ofMinutes(10), o.transactionTimeout());
        assertEquals("", o.checkpointDir());
    }

    @Test
    void parsesEveryKindOfValue() {
        JobOptions o = JobOptions.fromArgs(with("--output-format", "JSON", "--delivery=at-least-once",
                "--parallelism", "4", "--checkpoint-interval", "PT0.5S", "--state-ttl", "PT0S",
                "--refresh-on-model-change", "false", "--min-ts", "1577836800000", "--kafka-property",
                "security.protocol=SSL", "--kafka-property", "ssl.truststore.location=/x"));
        assertEquals(OutputFormat.JSON, o.outputFormat());
        assertEquals(JobOptions.Delivery.AT_LEAST_ONCE, o.delivery());
        assertEquals(4, o.parallelism());
        assertEquals(Duration.ofMillis(500), o.checkpointInterval());
        assertTrue(o.stateTtl().isZero());
        assertFalse(o.refreshOnModelChange());
        assertEquals(1_577_836_800_000L, o.minTs());
        assertEquals("SSL", o.kafkaClientProperties().getProperty("security.protocol"));
        assertEquals(2, o.kafkaProperties().size());
    }

    @Test
    void errorsNameTheFlag() {
        assertTrue(error("--clicks-topic", "c").contains("--bootstrap-servers is required"));
        assertTrue(error(with("--checkpoint-interval", "5s")).startsWith("--checkpoint-interval: invalid value \"5s\""));
        assertTrue(error(with("--output-format", "xml")).startsWith("--output-format"));
        assertTrue(error(with("--delivery", "maybe")).startsWith("--delivery"));
        assertTrue(error(with("--parallelism", "-1")).startsWith("--parallelism"));
        assertTrue(error(with("--window-length", "lots")).startsWith("--window-length"));
        assertTrue(error(with("--transaction-timeout", "PT20M")).startsWith("--transaction-timeout"));
        assertTrue(error(with("--state-ttl", "PT0.1S")).startsWith("--state-ttl"));
        assertTrue(error(with("--min-ts", "yesterday")).startsWith("--min-ts"));
        assertTrue(error(with("--refresh-on-model-change", "perhaps")).startsWith("--refresh-on-model-change"));
        assertTrue(error(with("--kafka-property", "novalue")).startsWith("--kafka-property"));
        assertTrue(error(with("--colour", "red")).startsWith("--colour: unknown option"));
        assertTrue(error(with("--parallelism", "2", "--parallelism", "3")).contains("more than once"));
        assertTrue(error(with("stray")).contains("unexpected argument"));
    }

    @Test
    void windowCacheMemoryTakesASizeWithAUnitAndZeroTurnsItOff() {
        assertEquals(256L << 20, JobOptions.fromArgs(REQUIRED).windowCacheBytes());
        assertEquals(JobOptions.DEFAULT_WINDOW_CACHE_BYTES, JobOptions.fromArgs(REQUIRED).windowCacheBytes());
        assertEquals(64L << 20, JobOptions.fromArgs(with("--window-cache-memory", "64m")).windowCacheBytes());
        assertEquals(1L << 30, JobOptions.fromArgs(with("--window-cache-memory=1g")).windowCacheBytes());
        assertEquals(0, JobOptions.fromArgs(with("--window-cache-memory", "0")).windowCacheBytes());
        for (String bad : new String[] {"lots", "-5m", "12 parsecs", ""}) {
            String message = error(with("--window-cache-memory=" + bad));
            assertTrue(message.startsWith("--window-cache-memory"), bad + ": " + message);
        }
    }

    @Test
    void topicsMustBeValidAndDistinct() {
        assertTrue(error("--bootstrap-servers", "h:1", "--clicks-topic", "same", "--interests-topic", "same",
                "--weights-topic", "w", "--dead-letter-topic", "d").contains("must differ"));
        assertTrue(error("--bootstrap-servers", "h:1", "--clicks-topic", "bad topic", "--interests-topic", "i",
                "--weights-topic", "w", "--dead-letter-topic", "d").contains("not a valid Kafka topic name"));
    }

    @Test
    void flinkConfigurationDisablesKryoAndUsesRocksDb() {
        var c = StreamingJob.configuration(JobOptions.fromArgs(with("--checkpoint-dir", "/tmp/x")));
        assertEquals("rocksdb", c.get(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND));
        assertFalse(c.get(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES));
        assertTrue(c.get(org.apache.flink.configuration.CheckpointingOptions.INCREMENTAL_CHECKPOINTS));
        assertEquals("file:/tmp/x", c.get(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY)
                .replace("file:///", "file:/"));
    }
}
