package io.mindstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mindstream.event.DeadLetter;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.JsonInterestCodec;
import io.mindstream.event.ModelPublisher;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import io.mindstream.testing.FlinkStandaloneCluster;
import io.mindstream.testing.KafkaBrokerProcess;
import io.mindstream.testing.Waits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The job jar deploys: the shaded jar built by `mvn package` is uploaded to a standalone Flink cluster through
 * the REST API (as `flink run` does), reads a model and clicks from a real broker process, and writes
 * exactly-once interest updates that equal what the model computes locally, under the right model version,
 * across a model rollout and a rollback.
 */
class StreamingJobDeploymentITCase {

    static final Path JOB_JAR = Path.of(System.getProperty("basedir", "."), "target", "mind-stream-0.1.0-SNAPSHOT-job.jar");
    static final Duration START = Duration.ofSeconds(90);
    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    static final int USERS = 6;
    static final int EVENTS_PER_USER = 7;
    static final int ITEMS = 40;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void jobJarSubmittedThroughRestTurnsClicksIntoVersionedExactlyOnceUpdates() throws Exception {
        assertTrue(Files.isRegularFile(JOB_JAR), JOB_JAR + " is missing: run `mvn package` first");
        MindModel v1 = model("deploy-it-v1", 11);
        MindModel v2 = model("deploy-it-v2", 22);

        try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start("deploy-kafka", START);
             FlinkStandaloneCluster cluster = FlinkStandaloneCluster.builder("deploy-flink").build()) {
            kafka.createTopics(List.of(
                    new NewTopic("clicks", 2, (short) 1),
                    new NewTopic("interests", 2, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                    new NewTopic("weights", 1, (short) 1),
                    new NewTopic("dead-letters", 1, (short) 1)));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(kafka));
                 KafkaConsumer<byte[], byte[]> updates = new KafkaConsumer<>(consumerProps(kafka))) {
                updates.subscribe(List.of("interests"));
                publish(kafka, v1);

                long t0 = System.nanoTime();
                cluster.start(1, START);
                String jobId = cluster.submit(JOB_JAR, List.of(
                        "--bootstrap-servers", kafka.bootstrapServers(),
                        "--clicks-topic", "clicks", "--interests-topic", "interests",
                        "--weights-topic", "weights", "--dead-letter-topic", "dead-letters",
                        "--output-format", "json", "--delivery", "exactly-once",
                        "--checkpoint-interval", "PT1S"), 2, START);

                // Until the broadcast model reaches the updater, clicks only fill windows; a probe user's
                // update marks the moment the model is installed, so every later click must yield an update.
                List<InterestUpdate> received = new ArrayList<>();
                JsonInterestCodec codec = new JsonInterestCodec();
                int[] probes = {0};
                Waits.until("the first update under " + v1.version(), Duration.ofSeconds(90), Duration.ofMillis(10), () -> {
                    send(producer, "probe", "i0", T0 + probes[0], "probe-" + probes[0]++);
                    return poll(updates, codec, received, Duration.ofSeconds(1)).stream()
                            .anyMatch(u -> u.userId().equals("probe") && u.modelVersion().equals(v1.version()));
                }, cluster::diagnostics);
                long firstUpdateMs = (System.nanoTime() - t0) / 1_000_000;

                // The clicks: interleaved users, increasing timestamps, one malformed record.
                Map<String, List<String>> sequences = new HashMap<>();
                Map<String, List<String>> prefixByEvent = new HashMap<>();
                SplittableRandom random = new SplittableRandom(7);
                for (int e = 0; e < EVENTS_PER_USER; e++) {
                    for (int u = 0; u < USERS; u++) {
                        String user = "user-" + u;
                        String item = "i" + random.nextInt(ITEMS);
                        String eventId = user + "-" + e;
                        List<String> seq = sequences.computeIfAbsent(user, k -> new ArrayList<>());
                        seq.add(item);
                        prefixByEvent.put(eventId, List.copyOf(seq));
                        send(producer, user, item, T0 + 1000L * (e * USERS + u), eventId);
                    }
                }
                producer.send(new ProducerRecord<>("clicks", "broken".getBytes(StandardCharsets.UTF_8),
                        "{\"user_id\": \"broken\", \"ts\": ".getBytes(StandardCharsets.UTF_8)));
                producer.flush();

                Map<String, InterestUpdate> byEvent = collectEventUpdates(updates, codec, received, prefixByEvent.keySet(),
                        cluster);
                assertEquals(USERS * EVENTS_PER_USER, byEvent.size());
                InterestEncoder encoder = new InterestEncoder();
                for (Map.Entry<String, InterestUpdate> e : byEvent.entrySet()) {
                    InterestUpdate u = e.getValue();
                    assertEquals(v1.version(), u.modelVersion(), e.getKey());
                    assertMatches(encoder.encode(v1, u.userId(), prefixByEvent.get(e.getKey())), u, e.getKey());
                }

                // Rollout: publishing v2 recomputes every user under v2, then new clicks are routed with v2.
                publish(kafka, v2);
                Map<String, InterestUpdate> refreshed = new HashMap<>();
                Waits.until("refresh of every user under " + v2.version(), Duration.ofSeconds(90), Duration.ofMillis(10), () -> {
                    for (InterestUpdate u : poll(updates, codec, received, Duration.ofSeconds(1))) {
                        if (u.cause() == InterestUpdate.Cause.MODEL && u.modelVersion().equals(v2.version())) {
                            refreshed.put(u.userId(), u);
                        }
                    }
                    return refreshed.keySet().containsAll(sequences.keySet());
                }, cluster::diagnostics);
                for (String user : sequences.keySet()) {
                    assertMatches(encoder.encode(v2, user, sequences.get(user)), refreshed.get(user), user + " refresh");
                }
                Map<String, List<String>> afterRollout = new HashMap<>();
                for (int u = 0; u < USERS; u++) {
                    String user = "user-" + u;
                    String eventId = user + "-after";
                    List<String> seq = new ArrayList<>(sequences.get(user));
                    seq.add("i" + u);
                    afterRollout.put(eventId, seq);
                    send(producer, user, "i" + u, T0 + 1_000_000L + u, eventId);
                }
                producer.flush();
                Map<String, InterestUpdate> after = collectEventUpdates(updates, codec, received, afterRollout.keySet(), cluster);
                for (Map.Entry<String, InterestUpdate> e : after.entrySet()) {
                    assertEquals(v2.version(), e.getValue().modelVersion());
                    assertMatches(encoder.encode(v2, e.getValue().userId(), afterRollout.get(e.getKey())), e.getValue(), e.getKey());
                }

                // Rollback: republishing the older bundle makes it current again; every user is recomputed under it.
                publish(kafka, v1);
                Map<String, InterestUpdate> rolledBack = new HashMap<>();
                Waits.until("refresh of every user under " + v1.version() + " again", Duration.ofSeconds(90),
                        Duration.ofMillis(10), () -> {
                            for (InterestUpdate u : poll(updates, codec, received, Duration.ofSeconds(1))) {
                                if (u.cause() == InterestUpdate.Cause.MODEL && u.modelVersion().equals(v1.version())) {
                                    rolledBack.put(u.userId(), u);
                                }
                            }
                            return rolledBack.keySet().containsAll(sequences.keySet());
                        }, cluster::diagnostics);
                for (Map.Entry<String, List<String>> e : afterRollout.entrySet()) {
                    String user = e.getKey().substring(0, e.getKey().length() - "-after".length());
                    assertMatches(encoder.encode(v1, user, e.getValue()), rolledBack.get(user), user + " rollback");
                }

                // Exactly once: no event produced a second update, even after everything settled.
                received.addAll(poll(updates, codec, new ArrayList<>(), Duration.ofSeconds(3)));
                Map<String, Long> perEvent = new HashMap<>();
                for (InterestUpdate u : received) {
                    if (u.cause() == InterestUpdate.Cause.EVENT && u.eventId() != null) {
                        perEvent.merge(u.eventId(), 1L, Long::sum);
                    }
                }
                perEvent.forEach((event, n) -> assertEquals(1L, n, "updates for event " + event));

                List<DeadLetter> deadLetters = readAll(kafka, "dead-letters", 1).stream().map(DeadLetter::fromJson).toList();
                assertEquals(1, deadLetters.size(), "dead letters");
                assertEquals("clicks", deadLetters.get(0).topic());

                // The operator's metrics reach Prometheus: the TaskManager's endpoint counts the updates.
                String metrics = StandaloneClusterITCase.scrape(cluster.prometheusPort(cluster.taskManagers().get(0)));
                assertTrue(metrics.contains("flink_taskmanager_job_task_operator_updatesOut"),
                        "no updatesOut metric in the TaskManager's Prometheus output");

                String savepoint = cluster.rest().stopWithSavepoint(jobId,
                        cluster.checkpointDir().resolveSibling("savepoints").toUri().toString(), Duration.ofSeconds(60));
                assertTrue(Files.isDirectory(Path.of(java.net.URI.create(savepoint))), "savepoint " + savepoint);
                System.out.printf("job jar on the standalone cluster: first update %d ms after cluster start; "
                        + "%d event updates, %d rollout and %d rollback refreshes verified against local routing%n",
                        firstUpdateMs, byEvent.size() + after.size(), refreshed.size(), rolledBack.size());
            }
        }
    }

    static MindModel model(String version, long seed) {
        int d = 8;
        RoutingConfig routing = new RoutingConfig(d, 3, 3, 20, true, RoutingSoftmax.INTERESTS, 1.0f);
        SplittableRandom random = new SplittableRandom(seed);
        String[] items = new String[ITEMS];
        float[] embeddings = new float[ITEMS * d];
        for (int i = 0; i < ITEMS; i++) {
            items[i] = "i" + i;
        }
        for (int i = 0; i < embeddings.length; i++) {
            embeddings[i] = (float) (random.nextDouble() - 0.5);
        }
        float[] bilinear = new float[d * d];
        for (int i = 0; i < bilinear.length; i++) {
            bilinear[i] = (float) ((random.nextDouble() - 0.5) * 0.8) + (i % (d + 1) == 0 ? 1f : 0f);
        }
        return new MindModel(new ModelConfig(version, routing), items, embeddings, bilinear);
    }

    /** Publishes as `bin/mind-stream publish` does, with small chunks so the model travels as many messages. */
    static void publish(KafkaBrokerProcess kafka, MindModel model) throws Exception {
        try (ModelPublisher publisher = new ModelPublisher(kafka.bootstrapServers(), "weights", 1024, Map.of())) {
            int chunks = publisher.publishInline(model.version(), ModelBundle.toPayload(model));
            assertTrue(chunks > 1, "expected a multi-chunk publication, got " + chunks);
        }
    }

    static void send(KafkaProducer<byte[], byte[]> producer, String user, String item, long ts, String eventId) {
        String json = "{\"user_id\":\"" + user + "\",\"item_id\":\"" + item + "\",\"ts\":" + ts
                + ",\"event_id\":\"" + eventId + "\"}";
        producer.send(new ProducerRecord<>("clicks", user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
    }

    static List<InterestUpdate> poll(KafkaConsumer<byte[], byte[]> consumer, JsonInterestCodec codec,
            List<InterestUpdate> sink, Duration timeout) {
        List<InterestUpdate> batch = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            batch.add(codec.decode(r.value()));
        }
        sink.addAll(batch);
        return batch;
    }

    static Map<String, InterestUpdate> collectEventUpdates(KafkaConsumer<byte[], byte[]> consumer, JsonInterestCodec codec,
            List<InterestUpdate> received, java.util.Set<String> eventIds, FlinkStandaloneCluster cluster)
            throws InterruptedException {
        Map<String, InterestUpdate> byEvent = new HashMap<>();
        for (InterestUpdate u : received) {
            if (u.eventId() != null && eventIds.contains(u.eventId())) {
                byEvent.put(u.eventId(), u);
            }
        }
        Waits.until(eventIds.size() + " event updates", Duration.ofSeconds(90), Duration.ofMillis(10), () -> {
            for (InterestUpdate u : poll(consumer, codec, received, Duration.ofSeconds(1))) {
                if (u.eventId() != null && eventIds.contains(u.eventId())) {
                    byEvent.put(u.eventId(), u);
                }
            }
            return byEvent.size() == eventIds.size();
        }, () -> "have " + byEvent.size() + "\n" + cluster.diagnostics());
        return byEvent;
    }

    static void assertMatches(Interests expected, InterestUpdate actual, String what) {
        assertEquals(expected.count(), actual.count(), what + ": interest count");
        assertEquals(expected.sequenceLength(), actual.sequenceLength(), what + ": sequence length");
        float[] want = expected.toFlatArray();
        float[] got = actual.vectors();
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            // Another JVM, another JIT: the last bits may differ (MIND.md allows 1e-6 across processes).
            assertEquals(want[i], got[i], 1e-5f, what + ": component " + i);
        }
    }

    static List<byte[]> readAll(KafkaBrokerProcess kafka, String topic, int expected) throws InterruptedException {
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(kafka))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
            // anything beyond the expected count shows up here
            consumer.poll(Duration.ofSeconds(2)).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    static Properties producerProps(KafkaBrokerProcess kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    static Properties consumerProps(KafkaBrokerProcess kafka) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "deploy-it-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }
}
