package io.mindstream.job;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.JsonInterestCodec;
import io.mindstream.event.ModelPublisher;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.KafkaBroker;
import io.mindstream.testing.TestModels;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A burst ten times the sustained click rate: the Kafka source only pulls what the job can process, so the burst
 * becomes consumer lag (backpressure), not loss; after it, the job catches up and every click has exactly one
 * committed update. Prints how long the catch-up took.
 */
class BurstITCase {

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    private static final long T0 = System.currentTimeMillis() - 3_600_000L;
    private static final int USERS = 100;
    private static final int SUSTAINED_PER_SECOND = 200;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aTenfoldBurstIsAbsorbedWithoutLossOrDuplicates(@TempDir Path checkpoints) throws Exception {
        String clicks = KafkaBroker.uniqueTopic("clicks");
        String weights = KafkaBroker.uniqueTopic("weights");
        String interests = KafkaBroker.uniqueTopic("interests");
        String dlq = KafkaBroker.uniqueTopic("dlq");
        KAFKA.createTopic(clicks, 2);
        KAFKA.createTopic(weights, 1);
        KAFKA.createTopic(interests, 2);
        KAFKA.createTopic(dlq, 1);
        MindModel model = TestModels.model("burst-v1", 50, 3);
        try (ModelPublisher p = new ModelPublisher(KAFKA.bootstrapServers(), weights, 4096, Map.of())) {
            p.publishInline(model.version(), ModelBundle.toPayload(model));
        }
        JobOptions o = JobOptions.fromArgs(new String[] {"--bootstrap-servers", KAFKA.bootstrapServers(),
            "--clicks-topic", clicks, "--weights-topic", weights, "--interests-topic", interests,
            "--dead-letter-topic", dlq, "--checkpoint-dir", checkpoints.toString(), "--checkpoint-interval", "PT0.5S",
            "--parallelism", "2", "--output-format", "json", "--transactional-id-prefix", "tx-" + clicks,
            "--group-id", "g-" + clicks});

        Map<String, List<String>> sequences = new HashMap<>();
        Map<String, Integer> perEvent = new HashMap<>();
        Map<String, InterestUpdate> byEvent = new HashMap<>();
        JsonInterestCodec codec = new JsonInterestCodec();
        int[] n = {0};
        StreamingJob.LocalJob job = StreamingJob.startLocal(o);
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer();
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps())) {
            consumer.subscribe(List.of(interests));
            Runnable pollOnce = () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    InterestUpdate u = codec.decode(r.value());
                    if (u.cause() == InterestUpdate.Cause.EVENT && u.eventId() != null) {
                        perEvent.merge(u.eventId(), 1, Integer::sum);
                        byEvent.put(u.eventId(), u);
                    }
                }
            };
            // the first click is answered once the model is installed
            send(producer, clicks, sequences, n);
            Waits.until("the first update", Duration.ofSeconds(90), Duration.ofMillis(10), () -> {
                pollOnce.run();
                return !byEvent.isEmpty();
            }, () -> "no update yet");

            pace(producer, clicks, sequences, n, SUSTAINED_PER_SECOND, 3);
            long burstStart = System.nanoTime();
            pace(producer, clicks, sequences, n, 10 * SUSTAINED_PER_SECOND, 2);
            int lastOfBurst = n[0] - 1;
            // the producer must really have sent at ten times the rate, or the test proves nothing
            assertTrue(System.nanoTime() - burstStart < TimeUnit.MILLISECONDS.toNanos(3_000),
                    "the burst took " + (System.nanoTime() - burstStart) / 1_000_000 + " ms to send");
            long burstEnd = System.nanoTime();
            pace(producer, clicks, sequences, n, SUSTAINED_PER_SECOND, 2);
            producer.flush();
            long[] caughtUpMs = {-1};
            Waits.until("an update for each of " + n[0] + " clicks", Duration.ofSeconds(120), Duration.ofMillis(10),
                    () -> {
                        pollOnce.run();
                        if (caughtUpMs[0] < 0 && byEvent.containsKey("e" + lastOfBurst)) {
                            caughtUpMs[0] = (System.nanoTime() - burstEnd) / 1_000_000;
                        }
                        return byEvent.size() == n[0];
                    }, () -> "have " + byEvent.size() + " of " + n[0]);
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < settle) {
                pollOnce.run();
            }
            assertEquals(n[0], perEvent.size());
            perEvent.forEach((id, count) -> assertEquals(1, count, "updates for click " + id));
            InterestEncoder encoder = new InterestEncoder();
            for (Map.Entry<String, List<String>> s : sequences.entrySet()) {
                InterestUpdate last = byEvent.values().stream().filter(u -> u.userId().equals(s.getKey()))
                        .max((a, b) -> Long.compare(a.updateSeq(), b.updateSeq())).orElseThrow();
                assertEquals(s.getValue().size(), last.updateSeq(), s.getKey());
                float[] want = encoder.encode(model, s.getKey(), s.getValue()).toFlatArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], last.vectors()[i], 1e-5f, s.getKey() + " component " + i);
                }
            }
            assertTrue(caughtUpMs[0] >= 0);
            System.out.printf("burst of %d clicks/s for 2 s (sustained %d/s): last burst click answered %d ms after"
                    + " the burst ended (burst sent in %d ms); %d clicks, each exactly one update%n",
                    10 * SUSTAINED_PER_SECOND, SUSTAINED_PER_SECOND, caughtUpMs[0],
                    (burstEnd - burstStart) / 1_000_000, n[0]);
        } finally {
            job.cancel();
        }
    }

    /** Sends {@code perSecond} clicks a second for {@code seconds}, in 20 ms slices. */
    private static void pace(KafkaProducer<byte[], byte[]> producer, String topic, Map<String, List<String>> seqs,
                             int[] n, int perSecond, int seconds) throws InterruptedException {
        int slices = seconds * 50;
        int perSlice = perSecond / 50;
        long start = System.nanoTime();
        for (int s = 0; s < slices; s++) {
            for (int i = 0; i < perSlice; i++) {
                send(producer, topic, seqs, n);
            }
            long due = start + (s + 1) * 20_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, Map<String, List<String>> seqs,
                             int[] n) {
        int i = n[0]++;
        String user = "u" + (i % USERS);
        String item = "i" + (i * 13 % 50);
        seqs.computeIfAbsent(user, k -> new ArrayList<>()).add(item);
        String json = "{\"user_id\":\"" + user + "\",\"item_id\":\"" + item + "\",\"ts\":" + (T0 + i)
                + ",\"event_id\":\"e" + i + "\"}";
        producer.send(new ProducerRecord<>(topic, user.getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8)));
    }

    private static Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "burst-it-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }
}
