package io.mindstream.job;

import io.mindstream.event.DeadLetter;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelPublisher;
import io.mindstream.event.OutputFormat;
import io.mindstream.event.RawRecord;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.KafkaBroker;
import io.mindstream.testing.TestModels;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole job on a MiniCluster against a real Kafka broker: exactly-once outputs read with read_committed,
 * dead letters, model swaps through the chunked weights topic, failover and stop-with-savepoint.
 */
class InterestPipelineITCase {

    @Order(1)
    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    @Order(2)
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final long T0 = System.currentTimeMillis() - 3_600_000L;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final double TOLERANCE = 1e-6;

    private final MindModel v1 = TestModels.model("v1", 40, 16, 4, 10, 11);
    private final MindModel v2 = TestModels.model("v2", 40, 16, 4, 10, 12);

    /** One click as produced, with its place in the expected sequence. */
    record Click(String user, String item, long ts, String eventId, int arrival) {
        String json() {
            return "{\"user_id\":\"" + user + "\",\"item_id\":\"" + item + "\",\"ts\":" + ts
                    + (eventId == null ? "" : ",\"event_id\":\"" + eventId + "\"") + ",\"behavior\":\"click\"}";
        }
    }

    /** Topics of one test. */
    record Topics(String clicks, String weights, String interests, String deadLetters) {
        static Topics create() throws Exception {
            Topics t = new Topics(KafkaBroker.uniqueTopic("clicks"), KafkaBroker.uniqueTopic("weights"),
                    KafkaBroker.uniqueTopic("interests"), KafkaBroker.uniqueTopic("dlq"));
            KAFKA.createTopic(t.clicks, 2);
            KAFKA.createTopic(t.weights, 1);
            KAFKA.createTopic(t.interests, 2, Map.of("cleanup.policy", "compact"));
            KAFKA.createTopic(t.deadLetters, 1);
            return t;
        }
    }

    private static JobOptions options(Topics t, OutputFormat format) {
        return options(t, format, "exactly-once");
    }

    private static JobOptions options(Topics t, OutputFormat format, String delivery) {
        return JobOptions.fromArgs(new String[] {
            "--bootstrap-servers", KAFKA.bootstrapServers(),
            "--clicks-topic", t.clicks(), "--weights-topic", t.weights(),
            "--interests-topic", t.interests(), "--dead-letter-topic", t.deadLetters(),
            "--group-id", "g-" + t.clicks(), "--transactional-id-prefix", "tx-" + t.clicks(),
            "--output-format", format.name().toLowerCase(), "--delivery", delivery,
            "--checkpoint-interval", "PT0.3S", "--transaction-timeout", "PT2M", "--parallelism", "2"});
    }

    private static StreamExecutionEnvironment env(JobOptions o, Path checkpoints, String restoreFrom) {
        Configuration c = StreamingJob.configuration(o.withCheckpointDir(checkpoints.toString()));
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        if (restoreFrom != null) {
            c.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        env.setParallelism(2);
        return env;
    }

    /** Random clicks for {@code users} users; a few out of order, a few repeated event ids. */
    private static List<Click> clicks(String batch, int users, int perUser, long seed, int arrivalBase) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Click> out = new ArrayList<>();
        int arrival = arrivalBase;
        for (int n = 0; n < perUser; n++) {
            for (int u = 0; u < users; u++) {
                String user = "user-" + u;
                String item = r.nextInt(10) == 0 ? "unknown-" + r.nextInt(5) : "i" + r.nextInt(40);
                long ts = T0 + (arrivalBase + n) * 1000L + (r.nextInt(6) == 0 ? -2500 : 0);
                String eventId = batch + "-" + u + "-" + n;
                out.add(new Click(user, item, ts, eventId, arrival++));
                if (r.nextInt(8) == 0) {
                    // a producer retry: the same event again, to be ignored
                    out.add(new Click(user, item, ts, eventId, arrival++));
                }
            }
        }
        return out;
    }

    private static void produce(Topics t, List<Click> clicks) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Click c : clicks) {
            records.add(new ProducerRecord<>(t.clicks(), c.user().getBytes(StandardCharsets.UTF_8),
                    c.json().getBytes(StandardCharsets.UTF_8)));
        }
        KAFKA.produce(t.clicks(), records);
    }

    /** The accepted (de-duplicated) clicks per user, in window order: by ts, ties by arrival. */
    private static Map<String, List<String>> expectedSequences(List<Click> clicks) {
        Map<String, List<Click>> byUser = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Click c : clicks) {
            if (seen.add(c.user() + "/" + c.eventId())) {
                byUser.computeIfAbsent(c.user(), k -> new ArrayList<>()).add(c);
            }
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        byUser.forEach((u, cs) -> out.put(u, cs.stream()
                .sorted(Comparator.comparingLong(Click::ts).thenComparingInt(Click::arrival))
                .map(Click::item).toList()));
        return out;
    }

    private static long accepted(List<Click> clicks) {
        return clicks.stream().map(c -> c.user() + "/" + c.eventId()).distinct().count();
    }

    private static void publish(Topics t, MindModel model, int chunkBytes) throws Exception {
        try (ModelPublisher p = new ModelPublisher(KAFKA.bootstrapServers(), t.weights(), chunkBytes, Map.of())) {
            int chunks = p.publishInline(model.version(), ModelBundle.toPayload(model));
            assertTrue(chunks >= 1);
        }
    }

    private static List<InterestUpdate> readUpdates(Topics t, OutputFormat f, Duration timeout,
                                                    java.util.function.Predicate<List<InterestUpdate>> done) {
        List<InterestUpdate> decoded = new ArrayList<>();
        KAFKA.readUntil(t.interests(), true, timeout, records -> {
            decoded.clear();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                InterestUpdate u = f.codec().decode(r.value());
                assertEquals(u.userId(), new String(r.key(), StandardCharsets.UTF_8), "record key = user id");
                decoded.add(u);
            }
            return done.test(decoded);
        });
        return decoded;
    }

    private static Map<String, InterestUpdate> lastPerUser(List<InterestUpdate> updates) {
        Map<String, InterestUpdate> last = new HashMap<>();
        for (InterestUpdate u : updates) {
            last.merge(u.userId(), u, (a, b) -> a.updateSeq() >= b.updateSeq() ? a : b);
        }
        return last;
    }

    /** Each user's update_seq values are exactly 1..n: nothing lost, nothing repeated. */
    private static void assertContiguousSequences(List<InterestUpdate> updates) {
        Map<String, List<Long>> seqs = updates.stream().collect(Collectors.groupingBy(InterestUpdate::userId,
                Collectors.mapping(InterestUpdate::updateSeq, Collectors.toList())));
        seqs.forEach((user, s) -> {
            List<Long> sorted = s.stream().sorted().toList();
            for (int i = 0; i < sorted.size(); i++) {
                assertEquals(i + 1L, sorted.get(i), "update_seq of " + user + ": " + sorted);
            }
        });
    }

    private static void assertEqualsEncoder(MindModel model, String user, List<String> sequence, InterestUpdate u) {
        var expected = new InterestEncoder().encode(model, user, sequence);
        assertEquals(model.version(), u.modelVersion(), user);
        assertEquals(expected.count(), u.count(), user + " K'");
        assertEquals(expected.sequenceLength(), u.sequenceLength(), user + " n");
        float[] want = expected.toFlatArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], u.vectors()[i], TOLERANCE, user + " component " + i);
        }
    }

    /** Cancels and waits until the job is gone, so no checkpoint is still being written into the temp dir. */
    static void cancelAndWait(JobClient job) throws Exception {
        job.cancel().get(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"BINARY, exactly-once", "JSON, at-least-once"})
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void boundedRunEndsWithEveryUsersInterestsAsScoredAndDeadLettersWithReasons(OutputFormat format, String delivery,
            @TempDir Path checkpoints) throws Exception {
        Topics t = Topics.create();
        publish(t, v1, 4096);
        List<Click> clicks = clicks("a", 6, 15, 1, 0);
        produce(t, clicks);
        List<String> invalid = List.of("not json", "{\"user_id\":\"user-1\",\"ts\":" + T0 + "}",
                "{\"user_id\":\"user-1\",\"item_id\":\"i1\",\"ts\":1234}", "{\"user_id\":\"\",\"item_id\":\"i1\",\"ts\":" + T0 + "}");
        KAFKA.produceStrings(t.clicks(), "bad-key", invalid);

        JobOptions o = options(t, format, delivery);
        StreamExecutionEnvironment env = env(o, checkpoints, null);
        InterestPipeline.build(env, KafkaConnectors.clicksSource(o, true), KafkaConnectors.weightsSource(o, true),
                KafkaConnectors.interestsSink(o), KafkaConnectors.deadLetterSink(o), o);
        env.execute("bounded");

        Map<String, List<String>> sequences = expectedSequences(clicks);
        List<InterestUpdate> updates = readUpdates(t, format, Duration.ofSeconds(5), u -> false);
        assertContiguousSequences(updates);
        Map<String, InterestUpdate> last = lastPerUser(updates);
        assertEquals(sequences.keySet(), last.keySet());
        sequences.forEach((user, seq) -> assertEqualsEncoder(v1, user, seq, last.get(user)));

        List<DeadLetter> dead = KAFKA.readAll(t.deadLetters(), true, Duration.ofSeconds(3)).stream()
                .map(r -> DeadLetter.fromJson(r.value())).toList();
        assertEquals(List.of("NOT_JSON", "MISSING_FIELD", "TS_OUT_OF_RANGE", "EMPTY_ID"),
                dead.stream().sorted(Comparator.comparingLong(DeadLetter::offset)).map(DeadLetter::reasonCode).toList());
        for (DeadLetter d : dead) {
            assertEquals(t.clicks(), d.topic());
            assertTrue(invalid.contains(new String(d.value(), StandardCharsets.UTF_8)), d.toString());
            assertEquals("bad-key", new String(d.key(), StandardCharsets.UTF_8));
            assertTrue(d.offset() >= 0 && d.partition() >= 0);
        }
    }

    /** Fails the job once after some records, to prove that a recovery neither loses nor repeats an update. */
    static final class FailOnce implements MapFunction<RawRecord, RawRecord> {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final java.util.concurrent.atomic.AtomicInteger SEEN = new java.util.concurrent.atomic.AtomicInteger();
        private final int after;

        FailOnce(int after) {
            this.after = after;
        }

        @Override
        public RawRecord map(RawRecord r) {
            if (SEEN.incrementAndGet() > after && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure");
            }
            return r;
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void exactlyOnceThroughAFailureAndAModelSwapMidStream(@TempDir Path checkpoints) throws Exception {
        Topics t = Topics.create();
        OutputFormat format = OutputFormat.JSON;
        publish(t, v1, 8192);
        JobOptions o = options(t, format);
        StreamExecutionEnvironment env = env(o, checkpoints, null);
        FailOnce.FAILED.set(false);
        FailOnce.SEEN.set(0);
        DataStream<RawRecord> raw = env.fromSource(KafkaConnectors.clicksSource(o, false),
                WatermarkStrategy.noWatermarks(), "clicks").map(new FailOnce(60));
        DataStream<RawRecord> weights = env.fromSource(KafkaConnectors.weightsSource(o, false),
                WatermarkStrategy.noWatermarks(), "weights").setParallelism(1);
        InterestPipeline.Outputs out = InterestPipeline.build(raw, weights, o);
        out.interests().sinkTo(KafkaConnectors.interestsSink(o));
        out.deadLetters().sinkTo(KafkaConnectors.deadLetterSink(o));
        JobClient job = env.executeAsync("exactly-once");
        try {
            // a probe makes sure v1 is installed before the measured events
            List<Click> probe = List.of(new Click("probe", "i1", T0, "p-1", 0));
            produce(t, probe);
            readUpdates(t, format, WAIT, u -> !u.isEmpty());

            List<Click> a = clicks("a", 6, 20, 2, 1);
            produce(t, a);
            long expectedA = 1 + accepted(a);
            List<InterestUpdate> afterA = readUpdates(t, format, WAIT, u -> u.size() >= expectedA);
            assertEquals(expectedA, afterA.size(), "one update per accepted event");
            assertTrue(FailOnce.FAILED.get(), "the failure was injected");

            // bad model data on the weights topic: garbage, and a model whose last chunk never comes
            KAFKA.produceStrings(t.weights(), "junk", List.of("not a model message"));
            List<io.mindstream.event.ModelMessage.Chunk> v3 = io.mindstream.event.ModelMessage.chunk("v3",
                    ModelBundle.toPayload(TestModels.model("v3", 40, 16, 4, 10, 13)), 8192);
            List<ProducerRecord<byte[], byte[]>> partial = new ArrayList<>();
            for (int i = 0; i < v3.size() - 1; i++) {
                partial.add(new ProducerRecord<>(t.weights(), null, v3.get(i).encode()));
            }
            KAFKA.produce(t.weights(), partial);
            publish(t, v2, 8192);
            int users = 7;
            List<InterestUpdate> afterSwap = readUpdates(t, format, WAIT,
                    u -> u.stream().filter(x -> x.modelVersion().equals("v2")).count() >= users);
            assertEquals(users, afterSwap.stream().filter(x -> x.cause() == InterestUpdate.Cause.MODEL
                    && x.modelVersion().equals("v2")).count(), "every user refreshed once under v2");

            List<Click> b = clicks("b", 6, 5, 3, 100);
            produce(t, b);
            long expectedTotal = expectedA + users + accepted(b);
            List<InterestUpdate> all = readUpdates(t, format, WAIT, u -> u.size() >= expectedTotal);
            Thread.sleep(1500);
            all = readUpdates(t, format, Duration.ofSeconds(3), u -> false);
            assertEquals(expectedTotal, all.size(), "no update lost or repeated");
            assertContiguousSequences(all);
            assertTrue(all.stream().noneMatch(u -> u.modelVersion().equals("v3")), "an incomplete model is never used");

            List<Click> everything = new ArrayList<>(probe);
            everything.addAll(a);
            everything.addAll(b);
            Map<String, List<String>> sequences = expectedSequences(everything);
            Map<String, InterestUpdate> last = lastPerUser(all);
            sequences.forEach((user, seq) -> assertEqualsEncoder(v2, user, seq, last.get(user)));
            for (InterestUpdate u : all) {
                if (u.cause() == InterestUpdate.Cause.EVENT) {
                    assertTrue(u.eventId() != null, "event updates carry their event id");
                }
            }
        } finally {
            cancelAndWait(job);
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void stopWithSavepointAndResumeKeepsEverySequenceAndTheModel(@TempDir Path checkpoints) throws Exception {
        Topics t = Topics.create();
        OutputFormat format = OutputFormat.BINARY;
        // by reference: after the restore, the broadcast state holds only the URI and the file is read again
        byte[] payload = ModelBundle.toPayload(v1);
        Path file = checkpoints.resolve("v1.mindb");
        java.nio.file.Files.write(file, payload);
        try (ModelPublisher p = new ModelPublisher(KAFKA.bootstrapServers(), t.weights(), 4096, Map.of())) {
            p.publishReference("v1", payload, file.toUri().toString());
        }
        JobOptions o = options(t, format);

        StreamExecutionEnvironment env = env(o, checkpoints, null);
        StreamingJob.buildKafkaPipeline(env, o);
        JobClient first = env.executeAsync("before savepoint");
        List<Click> probe = List.of(new Click("probe", "i2", T0, "p-1", 0));
        produce(t, probe);
        readUpdates(t, format, WAIT, u -> !u.isEmpty());
        List<Click> a = clicks("a", 5, 10, 4, 1);
        produce(t, a);
        long expectedA = 1 + accepted(a);
        readUpdates(t, format, WAIT, u -> u.size() >= expectedA);
        String savepoint = first.stopWithSavepoint(false, checkpoints.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);

        List<Click> b = clicks("b", 5, 10, 5, 50);
        produce(t, b);
        StreamExecutionEnvironment again = env(o, checkpoints, savepoint);
        StreamingJob.buildKafkaPipeline(again, o);
        JobClient second = again.executeAsync("after savepoint");
        try {
            long expectedTotal = expectedA + accepted(b);
            List<InterestUpdate> all = readUpdates(t, format, WAIT, u -> u.size() >= expectedTotal);
            Thread.sleep(1000);
            all = readUpdates(t, format, Duration.ofSeconds(3), u -> false);
            assertEquals(expectedTotal, all.size());
            assertContiguousSequences(all);
            List<Click> everything = new ArrayList<>(probe);
            everything.addAll(a);
            everything.addAll(b);
            Map<String, InterestUpdate> last = lastPerUser(all);
            expectedSequences(everything).forEach((user, seq) -> assertEqualsEncoder(v1, user, seq, last.get(user)));
        } finally {
            cancelAndWait(second);
        }
    }
}
