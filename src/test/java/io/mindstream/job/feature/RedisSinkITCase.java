package io.mindstream.job.feature;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.mindstream.cli.LookupCommand;
import io.mindstream.event.InterestUpdate;
import io.mindstream.cli.MindStreamCli;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.FeatureStoreReader;
import io.mindstream.feature.InterestRecord;
import io.mindstream.feature.RedisConnector;
import io.mindstream.feature.StoredInterests;
import io.mindstream.testing.RedisServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Redis sink in real Flink jobs on a MiniCluster against a real redis-server. */
@Timeout(180)
class RedisSinkITCase {

    private static final int PARALLELISM = 2;
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(PARALLELISM)
                    .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                    .build());

    private static RedisServer redis;
    private static RedisConnector admin;
    private static StatefulRedisConnection<byte[], byte[]> adminConnection;

    @BeforeAll
    static void startRedis() {
        // Append-only, so the restart test finds its data again.
        redis = RedisServer.start(true);
        admin = RedisConnector.create(FeatureStoreOptions.parse(redis.url()), Map.of());
    }

    @AfterAll
    static void stopRedis() {
        try {
            if (adminConnection != null) {
                adminConnection.close();
            }
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @BeforeEach
    void flush() {
        commands().flushall();
    }

    private static RedisCommands<byte[], byte[]> commands() {
        if (adminConnection == null || !adminConnection.isOpen()) {
            adminConnection = admin.connect();
        }
        return adminConnection.sync();
    }

    /** Deterministic vectors for (user, seq), with float values that a lossy encoding would change. */
    static InterestRecord record(String user, long seq, String model) {
        int count = 1 + (int) (seq % 3);
        int dim = 8;
        float[] v = new float[count * dim];
        Random random = new Random(user.hashCode() * 31L + seq);
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat(random.nextInt());
        }
        v[0] = -0f;
        v[1] = Float.MIN_VALUE;
        v[2] = Float.intBitsToFloat(0x7fc0beef);
        return new InterestRecord(user, model, count, dim, v, T0 + seq * 1_000, seq, T0 + seq * 1_000 + 7);
    }

    private static List<InterestRecord> updates(int users, int seqs, String model) {
        List<InterestRecord> out = new ArrayList<>();
        for (int s = 1; s <= seqs; s++) {
            for (int u = 0; u < users; u++) {
                out.add(record("user-" + u, s, model));
            }
        }
        return out;
    }

    private static Map<String, InterestRecord> newestPerUser(List<InterestRecord> records) {
        Map<String, InterestRecord> newest = new LinkedHashMap<>();
        for (InterestRecord r : records) {
            newest.merge(r.userId(), r, (a, b) -> a.updateSeq() >= b.updateSeq() ? a : b);
        }
        return newest;
    }

    private static StreamExecutionEnvironment environment(int restartAttempts) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        return env;
    }

    private static JobID run(List<InterestRecord> records, FeatureStoreOptions options) throws Exception {
        StreamExecutionEnvironment env = environment(2);
        env.fromData(records).rebalance().sinkTo(RedisSink.forInterestRecords(options)).name("redis");
        JobClient job = env.executeAsync("redis-sink-test");
        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        return job.getJobID();
    }

    /** Sum over all subtasks of the metric whose identifier ends with {@code name}. */
    private static long metric(JobID job, String name) {
        long sum = 0;
        boolean found = false;
        for (Map.Entry<MetricGroup, Map<String, Metric>> group : METRICS.getMetricsByGroup().entrySet()) {
            if (!job.toString().equals(group.getKey().getAllVariables().get("<job_id>"))) {
                continue;
            }
            for (Map.Entry<String, Metric> e : group.getValue().entrySet()) {
                if (group.getKey().getMetricIdentifier(e.getKey()).endsWith("." + name)) {
                    found = true;
                    Metric m = e.getValue();
                    sum += m instanceof Counter c ? c.getCount() : ((Number) ((Gauge<?>) m).getValue()).longValue();
                }
            }
        }
        assertTrue(found, "no metric " + name);
        return sum;
    }

    private static long outcomes(JobID job) {
        return metric(job, "featureStore.writesApplied") + metric(job, "featureStore.duplicateWritesSkipped")
                + metric(job, "featureStore.staleWritesSkipped");
    }

    private static void assertStored(Map<String, InterestRecord> expected, FeatureStoreOptions options) {
        try (FeatureStoreReader reader = FeatureStoreReader.open(options)) {
            for (InterestRecord want : expected.values()) {
                StoredInterests got = reader.read(want.userId()).orElseThrow(() ->
                        new AssertionError("nothing stored for " + want.userId()));
                assertEquals(want.modelVersion(), got.modelVersion(), want.userId());
                assertEquals(want.updateSeq(), got.updateSeq(), want.userId());
                assertEquals(want.updatedAt(), got.updatedAt(), want.userId());
                assertEquals(want.eventTs(), got.eventTs(), want.userId());
                assertEquals(want.count(), got.count(), want.userId());
                assertEquals(want.dim(), got.dim(), want.userId());
                // Bit for bit, except that every NaN counts as one: Flink's float serializer between the operators
                // canonicalises NaN payloads (the codec itself keeps them, see InterestsCodecTest).
                for (int i = 0; i < want.vectors().length; i++) {
                    assertEquals(Float.floatToIntBits(want.vectors()[i]),
                            Float.floatToIntBits(got.vectors()[i]), want.userId() + " float " + i);
                }
            }
        }
    }

    @Test
    void storedValuesEqualTheNewestUpdateOfEveryUserBitForBit() throws Exception {
        FeatureStoreOptions options = FeatureStoreOptions.parse(redis.url(1)
                + "?key-prefix=it:&ttl=PT1H&batch-size=16&max-buffered=64");
        List<InterestRecord> records = updates(40, 5, "m1");
        records.add(new InterestRecord("no-behaviour", "m1", 0, 0, new float[0], T0, 1, T0 + 1));
        JobID job = run(records, options);

        assertStored(newestPerUser(records), options);
        assertEquals(records.size(), outcomes(job));
        RedisCommands<byte[], byte[]> redisCommands = commands();
        redisCommands.select(1);
        try {
            assertEquals(41L, redisCommands.dbsize());
            long pttl = redisCommands.pttl("it:user-0".getBytes(StandardCharsets.UTF_8));
            assertTrue(pttl > 0 && pttl <= 3_600_000, "pttl " + pttl);
        } finally {
            redisCommands.select(0);
        }
    }

    @Test
    void replaysOfOlderOrEqualUpdatesDoNotRegress() throws Exception {
        FeatureStoreOptions options = FeatureStoreOptions.parse(redis.url() + "?batch-size=8&max-buffered=32");
        List<InterestRecord> original = updates(20, 6, "m1");
        JobID first = run(original, options);
        assertEquals(original.size(), outcomes(first));
        // A replay after a recovery: the same sequence numbers again (recomputed later, under another model),
        // plus older ones; none of them may replace what is stored.
        List<InterestRecord> replay = updates(20, 6, "replayed");
        Collections.reverse(replay);
        JobID second = run(replay, options);
        assertStored(newestPerUser(original), options);
        assertEquals(0, metric(second, "featureStore.writesApplied"));
        assertEquals(20, metric(second, "featureStore.duplicateWritesSkipped"));
        assertEquals(100, metric(second, "featureStore.staleWritesSkipped"));
    }

    @Test
    void outOfOrderArrivalKeepsTheNewest() throws Exception {
        FeatureStoreOptions options = FeatureStoreOptions.parse(redis.url() + "?batch-size=4&max-buffered=16");
        List<InterestRecord> records = updates(25, 12, "m1");
        Collections.shuffle(records, new Random(7));
        JobID job = run(records, options);
        assertStored(newestPerUser(records), options);
        assertEquals(records.size(), outcomes(job));
        assertTrue(metric(job, "featureStore.staleWritesSkipped") > 0, "the shuffle produced no late update");
    }

    @Test
    void aRedisRestartMidStreamIsSurvivedAndTheFinalStateIsRight() throws Exception {
        FeatureStoreOptions options = FeatureStoreOptions.parse(redis.url()
                + "?batch-size=10&max-buffered=50&command-timeout=PT2S&retry-timeout=PT1M");
        List<InterestRecord> records = updates(50, 60, "m1");
        StreamExecutionEnvironment env = environment(2);
        env.enableCheckpointing(200);
        env.fromData(records).setParallelism(1)
                .map(new Throttle(1)).setParallelism(1)
                .rebalance()
                .sinkTo(RedisSink.forInterestRecords(options)).name("redis");
        JobClient job = env.executeAsync("redis-restart-test");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (commands().dbsize() < 50 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(50L, commands().dbsize(), "the job wrote nothing before the restart");
        adminConnection.close();
        redis.stop();
        Thread.sleep(1_500);
        redis.restart();

        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        assertStored(newestPerUser(records), options);
        // Survived by the sink's own retries, not by restarting the job.
        assertEquals(0, metric(job.getJobID(), "numRestarts"));
        assertTrue(metric(job.getJobID(), "featureStore.writesRetried") > 0, "no write was retried");
        assertTrue(metric(job.getJobID(), "featureStore.scriptLoads") > 0, "the script was not reloaded");
        assertTrue(outcomes(job.getJobID()) >= records.size());
    }

    @Test
    void theJobsInterestUpdatesAreStoredWithoutGenericTypes() throws Exception {
        FeatureStoreOptions options = FeatureStoreOptions.parse(redis.url(4));
        List<InterestUpdate> updates = new ArrayList<>();
        for (InterestRecord r : updates(10, 3, "m-job")) {
            updates.add(new InterestUpdate(r.userId(), r.modelVersion(), r.count(), r.dim(), r.vectors(),
                    InterestUpdate.Cause.EVENT, "e-" + r.updateSeq(), r.eventTs(), 5, 0, r.updateSeq(), r.updatedAt()));
        }
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        env.fromData(updates, TypeInformation.of(InterestUpdate.class)).rebalance()
                .sinkTo(RedisSink.forInterestUpdates(options)).name("feature store");
        env.execute("redis-sink-interest-updates");
        Map<String, InterestRecord> expected = new LinkedHashMap<>();
        for (InterestUpdate u : updates) {
            expected.merge(u.userId(), InterestUpdateConverter.record(u),
                    (a, b) -> a.updateSeq() >= b.updateSeq() ? a : b);
        }
        assertStored(expected, options);
    }

    @Test
    void aNonRetryableRedisErrorFailsTheJobNamingTheKey() {
        FeatureStoreOptions options = FeatureStoreOptions.parse(redis.url() + "?key-prefix=clash:");
        commands().set("clash:user-0".getBytes(StandardCharsets.UTF_8), "not a hash".getBytes(StandardCharsets.UTF_8));
        StreamExecutionEnvironment env = environment(0);
        env.fromData(updates(3, 1, "m1")).sinkTo(RedisSink.forInterestRecords(options));
        Exception e = assertThrows(Exception.class, () -> env.execute("redis-fatal-test"));
        String chain = ExceptionUtils.stringifyException(e);
        assertTrue(chain.contains("WRONGTYPE") && chain.contains("clash:user-0"), chain);
    }

    @Test
    void writesFailingForLongerThanTheRetryTimeoutFailTheJob() throws Exception {
        try (RedisServer doomed = RedisServer.start()) {
            FeatureStoreOptions options = FeatureStoreOptions.parse(doomed.url()
                    + "?batch-size=5&max-buffered=20&command-timeout=PT0.5S&retry-timeout=PT3S");
            StreamExecutionEnvironment env = environment(0);
            env.fromData(updates(10, 300, "m1")).setParallelism(1)
                    .map(new Throttle(1)).setParallelism(1)
                    .sinkTo(RedisSink.forInterestRecords(options)).setParallelism(1);
            JobClient job = env.executeAsync("redis-gone-test");
            try (RedisConnector probe = RedisConnector.create(FeatureStoreOptions.parse(doomed.url()), Map.of());
                 StatefulRedisConnection<byte[], byte[]> c = probe.connect()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (c.sync().dbsize() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            doomed.stop();
            long stoppedAt = System.nanoTime();
            Exception e = assertThrows(Exception.class, () -> job.getJobExecutionResult().get(90, TimeUnit.SECONDS));
            long failedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
            String chain = ExceptionUtils.stringifyException(e);
            assertTrue(chain.contains("no successful write to the feature store") && chain.contains("retry-timeout"),
                    chain);
            assertTrue(failedAfter >= 3_000, "failed after " + failedAfter + " ms, before the retry timeout");
        }
    }

    @Test
    void lookupPrintsWhatTheSinkWroteAndExitsOneForAnAbsentUser() throws Exception {
        FeatureStoreOptions options = FeatureStoreOptions.parse(redis.url(3) + "?key-prefix=lk:");
        List<InterestRecord> records = updates(3, 4, "m-lookup");
        run(records, options);
        InterestRecord want = newestPerUser(records).get("user-1");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MindStreamCli.configure(new CommandLine(new LookupCommand())).setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err)).execute("--feature-store", redis.url(3) + "?key-prefix=lk:", "--user", "user-1");
        assertEquals(0, code, err.toString());
        String[] lines = out.toString().split("\n");
        assertEquals(1, lines.length, out.toString());
        JsonNode json = new ObjectMapper().readTree(lines[0]);
        assertEquals("user-1", json.get("user_id").asText());
        assertEquals("m-lookup", json.get("model_version").asText());
        assertEquals(want.eventTs(), json.get("event_ts").asLong());
        assertEquals(want.updatedAt(), json.get("updated_at").asLong());
        JsonNode interests = json.get("interests");
        assertEquals(want.count(), interests.size());
        for (int j = 0; j < want.count(); j++) {
            float[] row = want.interest(j);
            for (int i = 0; i < row.length; i++) {
                JsonNode x = interests.get(j).get(i);
                float parsed = Float.parseFloat(x.asText());
                assertEquals(Float.floatToIntBits(row[i]), Float.floatToIntBits(parsed), "[" + j + "][" + i + "]");
            }
        }

        StringWriter err2 = new StringWriter();
        int absent = MindStreamCli.configure(new CommandLine(new LookupCommand()))
                .setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(err2))
                .execute("--feature-store", redis.url(3) + "?key-prefix=lk:", "--user", "nobody");
        assertEquals(1, absent);
        assertTrue(err2.toString().startsWith("lookup: no interests stored for user 'nobody' (key lk:nobody at "),
                err2.toString());

        StringWriter err3 = new StringWriter();
        int badUrl = MindStreamCli.configure(new CommandLine(new LookupCommand()))
                .setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err3))
                .execute("--feature-store", redis.url() + "?ttl=soon", "--user", "u");
        assertEquals(2, badUrl);
        assertTrue(err3.toString().contains("'ttl'"), err3.toString());
    }

    /** Slows the stream down so the test can restart Redis while it runs. */
    private static final class Throttle implements MapFunction<InterestRecord, InterestRecord> {
        private static final long serialVersionUID = 1L;
        private final long millisPerRecord;

        Throttle(long millisPerRecord) {
            this.millisPerRecord = millisPerRecord;
        }

        @Override
        public InterestRecord map(InterestRecord value) throws InterruptedException {
            Thread.sleep(millisPerRecord);
            return value;
        }
    }
}
