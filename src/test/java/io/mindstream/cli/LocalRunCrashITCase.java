package io.mindstream.cli;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.JsonInterestCodec;
import io.mindstream.event.ModelPublisher;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.KafkaBroker;
import io.mindstream.testing.ManagedProcess;
import io.mindstream.testing.TestModels;
import io.mindstream.testing.TestPaths;
import io.mindstream.testing.Waits;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/mind-stream run --local} as its own process, SIGKILLed while clicks stream in (no shutdown hook,
 * no savepoint, an open Kafka transaction), then started again on the same --checkpoint-dir: it resumes from the
 * newest completed checkpoint and a read_committed reader sees exactly one update per click across the crash.
 */
class LocalRunCrashITCase {

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    private static final long T0 = System.currentTimeMillis() - 3_600_000L;
    private static final int USERS = 10;
    private static final int EVENTS_PER_USER = 50;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sigkilledLocalRunResumesFromItsNewestCheckpointWithExactlyOnceOutput() throws Exception {
        Path launcher = TestPaths.basedir().resolve("bin/mind-stream");
        assertTrue(Files.isExecutable(launcher), launcher + " is missing");
        String clicks = KafkaBroker.uniqueTopic("clicks");
        String weights = KafkaBroker.uniqueTopic("weights");
        String interests = KafkaBroker.uniqueTopic("interests");
        String dlq = KafkaBroker.uniqueTopic("dlq");
        KAFKA.createTopic(clicks, 2);
        KAFKA.createTopic(weights, 1);
        KAFKA.createTopic(interests, 2);
        KAFKA.createTopic(dlq, 1);
        MindModel model = TestModels.model("crash-v1", 30, 5);
        try (ModelPublisher p = new ModelPublisher(KAFKA.bootstrapServers(), weights, 4096, Map.of())) {
            p.publishInline(model.version(), ModelBundle.toPayload(model));
        }
        Path work = TestPaths.tempDir("local-crash");
        Path checkpoints = work.resolve("checkpoints");
        Path logs = TestPaths.logDir("local-run-crash");
        List<String> command = new ArrayList<>(List.of("env", "MIND_STREAM_RAW_STDERR=1",
                "MIND_STREAM_JAVA_OPTS=-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), launcher.toString(),
                "run", "--local", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--clicks-topic", clicks, "--weights-topic", weights, "--interests-topic", interests,
                "--dead-letter-topic", dlq, "--checkpoint-dir", checkpoints.toString(),
                "--checkpoint-interval", "PT1S", "--parallelism", "2", "--output-format", "json",
                "--delivery", "exactly-once", "--transactional-id-prefix", "tx-" + clicks, "--group-id", "g-" + clicks));

        // clicks in a fixed order: user-u-e, ts increasing
        List<String[]> all = new ArrayList<>();
        Map<String, List<String>> prefix = new HashMap<>();
        Map<String, List<String>> seqs = new HashMap<>();
        Map<String, Integer> indexOf = new HashMap<>();
        for (int e = 0; e < EVENTS_PER_USER; e++) {
            for (int u = 0; u < USERS; u++) {
                String user = "user-" + u;
                String item = "i" + ((e * 7 + u * 3) % 30);
                String id = user + "-" + e;
                seqs.computeIfAbsent(user, k -> new ArrayList<>()).add(item);
                prefix.put(id, List.copyOf(seqs.get(user)));
                indexOf.put(id, all.size());
                all.add(new String[] {user, "{\"user_id\":\"" + user + "\",\"item_id\":\"" + item + "\",\"ts\":"
                        + (T0 + 1000L * all.size()) + ",\"event_id\":\"" + id + "\"}"});
            }
        }

        Map<String, Integer> perEvent = new HashMap<>();
        Map<String, InterestUpdate> byEvent = new HashMap<>();
        JsonInterestCodec codec = new JsonInterestCodec();
        int[] sentAtKill = {Integer.MAX_VALUE};
        long[] killedAt = {0};
        long[] firstAfterKillMs = {-1};
        boolean[] probeAnswered = {false};
        ManagedProcess first = null;
        ManagedProcess second = null;
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer();
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps())) {
            consumer.subscribe(List.of(interests));
            Runnable pollOnce = () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    InterestUpdate u = codec.decode(r.value());
                    if (u.userId().equals("probe")) {
                        probeAnswered[0] = true;
                    }
                    if (u.eventId() != null && indexOf.getOrDefault(u.eventId(), -1) >= sentAtKill[0]
                            && firstAfterKillMs[0] < 0) {
                        firstAfterKillMs[0] = (System.nanoTime() - killedAt[0]) / 1_000_000;
                    }
                    if (u.cause() == InterestUpdate.Cause.EVENT && prefix.containsKey(u.eventId())) {
                        perEvent.merge(u.eventId(), 1, Integer::sum);
                        byEvent.put(u.eventId(), u);
                    }
                }
            };
            first = ManagedProcess.start("run-local-1", command, logs.resolve("run-local-1.out"));
            // until the model is installed clicks only fill windows; a probe user's update marks the start
            ManagedProcess p0 = first;
            int[] probes = {0};
            Waits.until("the first update of the probe user", Duration.ofSeconds(120), Duration.ofMillis(10), () -> {
                producer.send(new ProducerRecord<>(clicks, "probe".getBytes(StandardCharsets.UTF_8),
                        ("{\"user_id\":\"probe\",\"item_id\":\"i1\",\"ts\":" + (T0 + probes[0]) + ",\"event_id\":\"p"
                                + probes[0]++ + "\"}").getBytes(StandardCharsets.UTF_8)));
                pollOnce.run();
                return probeAnswered[0];
            }, () -> tail(p0.output()));
            Path checkpointAtStart = newestCheckpoint(checkpoints);
            int chkAtStart = checkpointAtStart == null ? -1 : chkNumber(checkpointAtStart.toString());
            // paced clicks keep arriving while the process dies and comes back
            AtomicInteger sent = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread feeder = new Thread(() -> {
                try {
                    for (String[] c : all) {
                        producer.send(new ProducerRecord<>(clicks, c[0].getBytes(StandardCharsets.UTF_8),
                                c[1].getBytes(StandardCharsets.UTF_8)));
                        sent.incrementAndGet();
                        Thread.sleep(20);
                    }
                    producer.flush();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "click-feeder");
            feeder.setDaemon(true);
            feeder.start();

            ManagedProcess p1 = first;
            Waits.until("a third of the clicks sent and a checkpoint completed since", Duration.ofSeconds(120),
                    Duration.ofMillis(20), () -> {
                        pollOnce.run();
                        Path newest = newestCheckpoint(checkpoints);
                        return sent.get() >= all.size() / 3 && newest != null
                                && chkNumber(newest.toString()) > chkAtStart + 1;
                    }, () -> "sent " + sent.get() + ", alive " + p1.isAlive() + "\n" + tail(p1.output()));
            Path checkpointAtKill = newestCheckpoint(checkpoints);
            sentAtKill[0] = sent.get();
            killedAt[0] = System.nanoTime();
            first.kill();
            assertTrue(!first.isAlive());

            second = ManagedProcess.start("run-local-2", command, logs.resolve("run-local-2.out"));
            ManagedProcess p2 = second;
            Waits.until("an update for each of " + all.size() + " clicks", Duration.ofSeconds(150),
                    Duration.ofMillis(10), () -> {
                        pollOnce.run();
                        return byEvent.size() == all.size();
                    }, () -> "have " + byEvent.size() + ", sent " + sent.get() + "\n" + tail(p2.output()));
            feeder.join(10_000);
            assertNull(failure.get(), "the producer failed");
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < settle) {
                pollOnce.run();
            }

            perEvent.forEach((id, n) -> assertEquals(1, n, "updates for click " + id));
            InterestEncoder encoder = new InterestEncoder();
            for (Map.Entry<String, InterestUpdate> e : byEvent.entrySet()) {
                assertEquals(model.version(), e.getValue().modelVersion(), e.getKey());
                assertClose(encoder.encode(model, e.getValue().userId(), prefix.get(e.getKey())), e.getValue(), e.getKey());
            }
            for (Map.Entry<String, List<String>> s : seqs.entrySet()) {
                InterestUpdate last = byEvent.get(s.getKey() + "-" + (EVENTS_PER_USER - 1));
                assertClose(encoder.encode(model, s.getKey(), s.getValue()), last, s.getKey() + " final");
                assertEquals(EVENTS_PER_USER, last.updateSeq(), s.getKey() + ": no update lost or repeated in state");
            }
            // the second process resumed from a checkpoint at least as new as the newest one before the kill
            String log = Files.readString(second.output());
            String resumedLine = log.lines().filter(l -> l.contains("Resuming from")).findFirst().orElse("");
            assertTrue(!resumedLine.isEmpty(), "no 'Resuming from' in\n" + tail(second.output()));
            int resumedChk = chkNumber(resumedLine);
            assertTrue(resumedChk >= chkNumber(checkpointAtKill.toString()),
                    "resumed from chk-" + resumedChk + ", the newest before the kill was " + checkpointAtKill);
            assertTrue(sentAtKill[0] < all.size(), "the kill happened mid-stream");
            assertTrue(firstAfterKillMs[0] > 0, "a click sent after the kill was answered");
            System.out.printf("run --local SIGKILL after %d of %d clicks (newest checkpoint %s): first committed update"
                    + " after the kill %d ms later (including a JVM start); resumed from chk-%d; exactly one update per"
                    + " click%n", sentAtKill[0], all.size(), checkpointAtKill.getFileName(), firstAfterKillMs[0], resumedChk);
        } finally {
            if (first != null) {
                first.kill();
            }
            if (second != null) {
                second.kill();
            }
            TestPaths.deleteQuietly(work);
        }
    }

    private static Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "crash-it-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /** The newest chk-N directory with a _metadata file (a completed checkpoint), or null. */
    static Path newestCheckpoint(Path root) throws java.io.IOException {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.walk(root, 3)) {
            return s.filter(p -> p.getFileName().toString().matches("chk-\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve("_metadata")))
                    .max((a, b) -> Integer.compare(chkNumber(a.toString()), chkNumber(b.toString())))
                    .orElse(null);
        }
    }

    private static int chkNumber(String s) {
        var m = java.util.regex.Pattern.compile("chk-(\\d+)").matcher(s);
        int n = -1;
        while (m.find()) {
            n = Integer.parseInt(m.group(1));
        }
        return n;
    }

    private static void assertClose(Interests want, InterestUpdate got, String what) {
        assertEquals(want.count(), got.count(), what);
        float[] w = want.toFlatArray();
        assertEquals(w.length, got.vectors().length, what);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], got.vectors()[i], 1e-5f, what + " component " + i);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (Exception e) {
            return "(no output: " + e + ")";
        }
    }
}
