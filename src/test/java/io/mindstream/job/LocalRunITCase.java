package io.mindstream.job;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelPublisher;
import io.mindstream.event.OutputFormat;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.KafkaBroker;
import io.mindstream.testing.TestModels;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run --local}: the embedded runtime keeps its checkpoints in --checkpoint-dir and, started again on the
 * same directory after an abrupt end, resumes from the newest one without losing or repeating an update.
 */
class LocalRunITCase {

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    private static final long T0 = System.currentTimeMillis() - 600_000L;

    private static List<String> clicks(String user, String prefix, int from, int n) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add("{\"user_id\":\"" + user + "\",\"item_id\":\"i" + (i * 7 % 30) + "\",\"ts\":" + (T0 + i * 1000L)
                    + ",\"event_id\":\"" + prefix + i + "\"}");
        }
        return out;
    }

    private static List<InterestUpdate> read(String topic, int atLeast) {
        return read(topic, atLeast, Duration.ofSeconds(90));
    }

    private static List<InterestUpdate> read(String topic, int atLeast, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.readUntil(topic, true, timeout,
                r -> r.size() >= atLeast);
        List<InterestUpdate> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(OutputFormat.BINARY.codec().decode(r.value()));
        }
        return out;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void resumesFromTheNewestCheckpointAfterAnAbruptEnd(@TempDir Path checkpoints) throws Exception {
        String clicks = KafkaBroker.uniqueTopic("clicks");
        String weights = KafkaBroker.uniqueTopic("weights");
        String interests = KafkaBroker.uniqueTopic("interests");
        String dlq = KafkaBroker.uniqueTopic("dlq");
        KAFKA.createTopic(clicks, 1);
        KAFKA.createTopic(weights, 1);
        KAFKA.createTopic(interests, 1);
        KAFKA.createTopic(dlq, 1);
        MindModel model = TestModels.model("v1", 30, 11);
        try (ModelPublisher p = new ModelPublisher(KAFKA.bootstrapServers(), weights, 4096, Map.of())) {
            p.publishInline("v1", ModelBundle.toPayload(model));
        }
        JobOptions o = JobOptions.fromArgs(new String[] {"--bootstrap-servers", KAFKA.bootstrapServers(),
            "--clicks-topic", clicks, "--weights-topic", weights, "--interests-topic", interests,
            "--dead-letter-topic", dlq, "--checkpoint-dir", checkpoints.toString(), "--checkpoint-interval", "PT0.3S",
            "--parallelism", "1", "--transactional-id-prefix", "tx-" + clicks, "--group-id", "g-" + clicks});

        StreamingJob.LocalJob first = StreamingJob.startLocal(o);
        assertTrue(first.resumedFrom().isEmpty());
        KAFKA.produceStrings(clicks, "u1", clicks("u1", "a", 0, 1));
        read(interests, 1); // v1 is installed
        KAFKA.produceStrings(clicks, "u1", clicks("u1", "a", 1, 9));
        assertEquals(10, read(interests, 10).size());
        Thread.sleep(1000); // let a checkpoint complete after the last input
        first.cancel();

        KAFKA.produceStrings(clicks, "u1", clicks("u1", "b", 10, 10));
        StreamingJob.LocalJob second = StreamingJob.startLocal(o);
        try {
            assertTrue(second.resumedFrom().isPresent(), "resumed from " + second.resumedFrom());
            List<InterestUpdate> all = read(interests, 20);
            Thread.sleep(1500);
            all = read(interests, Integer.MAX_VALUE, Duration.ofSeconds(3));
            assertEquals(20, all.size(), "every event answered once across the restart");
            Map<Long, InterestUpdate> bySeq = new HashMap<>();
            for (InterestUpdate u : all) {
                bySeq.put(u.updateSeq(), u);
            }
            assertEquals(20, bySeq.size());
            List<String> items = new ArrayList<>();
            for (String json : clicks("u1", "a", 0, 20)) {
                items.add(json.replaceAll(".*\"item_id\":\"([^\"]+)\".*", "$1"));
            }
            float[] want = new InterestEncoder().encode(model, "u1", items).toFlatArray();
            float[] got = bySeq.get(20L).vectors();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-6);
            }
            assertEquals("v1", bySeq.get(20L).modelVersion(), "the model came back from the checkpoint");
        } finally {
            second.cancel();
        }
    }
}
