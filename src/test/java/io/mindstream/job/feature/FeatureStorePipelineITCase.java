package io.mindstream.job.feature;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelPublisher;
import io.mindstream.event.OutputFormat;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.FeatureStoreReader;
import io.mindstream.feature.StoredInterests;
import io.mindstream.job.InterestPipeline;
import io.mindstream.job.JobOptions;
import io.mindstream.job.KafkaConnectors;
import io.mindstream.job.StreamingJob;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.KafkaBroker;
import io.mindstream.testing.RedisServer;
import io.mindstream.testing.TestModels;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The whole job with --feature-store: what Redis holds for every user is the last update on the Kafka topic. */
class FeatureStorePipelineITCase {

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

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void redisHoldsTheLastKafkaUpdateOfEveryUserBitForBit(@TempDir Path checkpoints) throws Exception {
        String clicks = KafkaBroker.uniqueTopic("clicks");
        String weights = KafkaBroker.uniqueTopic("weights");
        String interests = KafkaBroker.uniqueTopic("interests");
        String dlq = KafkaBroker.uniqueTopic("dlq");
        KAFKA.createTopic(clicks, 2);
        KAFKA.createTopic(weights, 1);
        KAFKA.createTopic(interests, 2);
        KAFKA.createTopic(dlq, 1);

        MindModel model = TestModels.model("fs-v1", 40, 16, 4, 10, 21);
        try (ModelPublisher p = new ModelPublisher(KAFKA.bootstrapServers(), weights, 4096, Map.of())) {
            p.publishInline(model.version(), ModelBundle.toPayload(model));
        }
        SplittableRandom r = new SplittableRandom(5);
        for (int u = 0; u < 8; u++) {
            List<String> events = new ArrayList<>();
            for (int n = 0; n < 12; n++) {
                events.add("{\"user_id\":\"user-" + u + "\",\"item_id\":\"i" + r.nextInt(40) + "\",\"ts\":"
                        + (T0 + n * 1000L) + ",\"event_id\":\"e-" + u + "-" + n + "\"}");
            }
            KAFKA.produceStrings(clicks, "user-" + u, events);
        }

        String store = redis.url(5) + "?key-prefix=pipe:&batch-size=16&max-buffered=64";
        JobOptions o = JobOptions.fromArgs(new String[] {
            "--bootstrap-servers", KAFKA.bootstrapServers(), "--clicks-topic", clicks, "--weights-topic", weights,
            "--interests-topic", interests, "--dead-letter-topic", dlq, "--group-id", "g-" + clicks,
            "--transactional-id-prefix", "tx-" + clicks, "--output-format", "binary", "--delivery", "exactly-once",
            "--checkpoint-interval", "PT0.3S", "--transaction-timeout", "PT2M", "--parallelism", "2",
            "--feature-store", store});
        Configuration c = StreamingJob.configuration(o.withCheckpointDir(checkpoints.toString()));
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        env.setParallelism(2);
        InterestPipeline.build(env, KafkaConnectors.clicksSource(o, true), KafkaConnectors.weightsSource(o, true),
                KafkaConnectors.interestsSink(o), KafkaConnectors.deadLetterSink(o),
                RedisSink.forInterestUpdates(o.featureStoreOptions().orElseThrow()), o);
        env.execute("feature-store-pipeline");

        Map<String, InterestUpdate> last = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : KAFKA.readAll(interests, true, Duration.ofSeconds(3))) {
            InterestUpdate u = OutputFormat.BINARY.codec().decode(rec.value());
            last.merge(u.userId(), u, (a, b) -> a.updateSeq() >= b.updateSeq() ? a : b);
        }
        assertEquals(8, last.size(), "users on the interests topic");
        try (FeatureStoreReader reader = FeatureStoreReader.open(FeatureStoreOptions.parse(store))) {
            for (InterestUpdate u : last.values()) {
                StoredInterests s = reader.read(u.userId()).orElseThrow(() ->
                        new AssertionError("nothing stored for " + u.userId()));
                assertEquals(u.modelVersion(), s.modelVersion(), u.userId());
                assertEquals(u.updateSeq(), s.updateSeq(), u.userId());
                assertEquals(u.eventTs(), s.eventTs(), u.userId());
                assertEquals(u.updatedAt(), s.updatedAt(), u.userId());
                assertEquals(u.count(), s.count(), u.userId());
                assertEquals(u.dim(), s.dim(), u.userId());
                assertFalse(u.count() == 0, u.userId() + " has interests");
                for (int i = 0; i < u.vectors().length; i++) {
                    assertEquals(Float.floatToRawIntBits(u.vectors()[i]), Float.floatToRawIntBits(s.vectors()[i]),
                            u.userId() + " float " + i);
                }
            }
        }
    }
}
