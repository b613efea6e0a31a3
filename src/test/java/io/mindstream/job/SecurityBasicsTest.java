package io.mindstream.job;

import io.mindstream.event.BinaryInterestCodec;
import io.mindstream.event.ModelAssembler;
import io.mindstream.event.ModelMessage;
import io.mindstream.model.ModelBundle;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Security basics: Kafka security settings given as --kafka-property reach every Kafka client of the job; no
 * password reaches a log line; and the parsers of untrusted binary input (weights messages, model bundles, binary
 * interest updates) allocate by validated sizes, never by what a header claims.
 */
class SecurityBasicsTest {

    private static final String PASSWORD = "Pa55-w0rd-that-must-never-be-logged";
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"mind\" password=\"" + PASSWORD + "\";";

    private static JobOptions options(String... kafkaProperties) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", "localhost:1", "--clicks-topic", "clicks",
                "--interests-topic", "interests", "--weights-topic", "weights", "--dead-letter-topic", "dlq"));
        for (String kv : kafkaProperties) {
            args.add("--kafka-property");
            args.add(kv);
        }
        return JobOptions.fromArgs(args.toArray(String[]::new));
    }

    private static Properties producerConfig(KafkaSink<?> sink) throws Exception {
        Method m = KafkaSink.class.getDeclaredMethod("getKafkaProducerConfig");
        m.setAccessible(true);
        return (Properties) m.invoke(sink);
    }

    @Test
    void securitySettingsReachEverySourceAndSink() throws Exception {
        Map<String, String> security = Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", JAAS,
                "ssl.truststore.location", "/etc/kafka/truststore.jks",
                "ssl.truststore.password", PASSWORD,
                "ssl.endpoint.identification.algorithm", "https");
        JobOptions o = options(security.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .toArray(String[]::new));
        for (KafkaSource<?> source : List.of(KafkaConnectors.clicksSource(o, false), KafkaConnectors.weightsSource(o, false))) {
            Method getConfiguration = KafkaSource.class.getDeclaredMethod("getConfiguration");
            getConfiguration.setAccessible(true);
            var conf = ((org.apache.flink.configuration.Configuration) getConfiguration.invoke(source)).toMap();
            security.forEach((k, v) -> assertEquals(v, conf.get(k), "source setting " + k));
        }
        for (KafkaSink<?> sink : List.of(KafkaConnectors.interestsSink(o), KafkaConnectors.deadLetterSink(o))) {
            Properties p = producerConfig(sink);
            security.forEach((k, v) -> assertEquals(v, p.getProperty(k), "sink setting " + k));
        }
        // a value with '=' in it (every JAAS line has some) survives the KEY=VALUE split
        assertEquals(JAAS, o.kafkaClientProperties().getProperty("sasl.jaas.config"));
        assertThrows(IllegalArgumentException.class, () -> options("=no-key"));
    }

    @Test
    void sinksBatchLargerThanKafkasDefaultUnlessTold() throws Exception {
        for (KafkaSink<?> sink : List.of(KafkaConnectors.interestsSink(options()), KafkaConnectors.deadLetterSink(options()))) {
            Properties p = producerConfig(sink);
            assertEquals(String.valueOf(256 * 1024), p.getProperty("batch.size"));
            assertEquals("5", p.getProperty("linger.ms"));
        }
        Properties told = producerConfig(KafkaConnectors.interestsSink(options("batch.size=1000", "linger.ms=0")));
        assertEquals("1000", told.getProperty("batch.size"));
        assertEquals("0", told.getProperty("linger.ms"));
    }

    @Test
    @Timeout(60)
    void noPasswordReachesTheLogsWhileTheJobsClientsAreConfigured() throws Exception {
        JobOptions o = options("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN", "sasl.jaas.config=" + JAAS,
                "ssl.key.password=" + PASSWORD);
        assertFalse(o.toString().contains(PASSWORD), o.toString());
        assertTrue(o.toString().contains("sasl.jaas.config=[hidden]"), o.toString());
        assertTrue(o.toString().contains("security.protocol=SASL_PLAINTEXT"), "non-secrets stay visible");
        // a Redis password in the URL is refused outright (it belongs in the environment), without echoing it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobOptions.fromArgs(
                new String[] {"--bootstrap-servers", "b:1", "--clicks-topic", "c", "--interests-topic", "i",
                    "--weights-topic", "w", "--dead-letter-topic", "d",
                    "--feature-store", "redis://user:" + PASSWORD + "@redis.example:6379/0"}));
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());

        List<String> captured = Collections.synchronizedList(new ArrayList<>());
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        AbstractAppender appender = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringBuilder sb = new StringBuilder(event.getMessage().getFormattedMessage());
                if (event.getThrown() != null) {
                    StringWriter w = new StringWriter();
                    event.getThrown().printStackTrace(new PrintWriter(w));
                    sb.append('\n').append(w);
                }
                captured.add(sb.toString());
            }
        };
        appender.start();
        ctx.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        // the console stays out of it (reconfigure() below puts it back): DEBUG would flood the test output
        ctx.getConfiguration().getRootLogger().removeAppender("console");
        // everything at DEBUG, Kafka's client config dumps included
        Configurator.setAllLevels(LogManager.ROOT_LOGGER_NAME, Level.DEBUG);
        try {
            LoggerFactory.getLogger(SecurityBasicsTest.class).info("starting with {}", o);
            KafkaConnectors.clicksSource(o, false);
            KafkaConnectors.weightsSource(o, false);
            KafkaConnectors.interestsSink(o);
            KafkaConnectors.deadLetterSink(o);
            // the clients the connectors create, with the same properties: their constructors log their config
            Properties consumer = o.kafkaClientProperties();
            consumer.put("bootstrap.servers", o.bootstrapServers());
            consumer.put("group.id", o.groupId());
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumer, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.listTopics(Duration.ofMillis(200));
            } catch (org.apache.kafka.common.errors.TimeoutException expected) {
                // nothing listens on localhost:1; the connection attempt is what we want logged
            }
            Properties producer = o.kafkaClientProperties();
            producer.put("bootstrap.servers", o.bootstrapServers());
            producer.put("transactional.id", o.transactionalIdPrefix() + "-interests-0");
            producer.put("max.block.ms", "200");
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producer, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                p.close(Duration.ZERO);
            }
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender("capture");
            appender.stop();
            ctx.reconfigure();
        }
        String all = String.join("\n", captured);
        assertTrue(all.contains("sasl.jaas.config = [hidden]"), "Kafka's config dump was captured (the check is live)");
        assertTrue(all.contains("sasl.jaas.config=[hidden]"), "the job options were logged, redacted");
        assertFalse(all.contains(PASSWORD), "a password reached the logs");
    }

    private static long allocatedBy(Runnable r) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = bean.getThreadAllocatedBytes(id);
        r.run();
        return bean.getThreadAllocatedBytes(id) - before;
    }

    private static void rejectedCheaply(String what, Supplier<Object> parse) {
        long bytes = allocatedBy(() -> {
            try {
                Object o = parse.get();
                throw new AssertionError(what + " was accepted: " + o);
            } catch (IllegalArgumentException expected) {
                // BundleException is an IllegalArgumentException too
            }
        });
        assertTrue(bytes < 4L * 1024 * 1024, what + " allocated " + bytes + " bytes before rejecting");
    }

    @Test
    void headersClaimingHugeSizesAllocateNothingBig() {
        byte[] sha = ModelLoader.sha256(new byte[] {1});
        // a weights chunk whose data length claims 2 GiB but whose message is 60 bytes long
        byte[] chunk = new ModelMessage.Chunk("v1", sha, 100, 0, 1, new byte[10]).encode();
        ByteBuffer.wrap(chunk).putInt(chunk.length - 14, Integer.MAX_VALUE);
        long decoded = allocatedBy(() -> {
            List<String> rejections = new ModelAssembler().accept(chunk).rejections();
            assertTrue(rejections.toString().contains("exceeds the message"), rejections.toString());
        });
        assertTrue(decoded < 1024 * 1024, "a chunk claiming 2 GiB allocated " + decoded + " bytes");

        // an assembler receiving the first of 4096 chunks of a claimed 511 MiB payload buffers only what came
        ModelAssembler assembler = new ModelAssembler();
        byte[] first = new ModelMessage.Chunk("v2", sha, 511L * 1024 * 1024, 0, 4096, new byte[10]).encode();
        long bytes = allocatedBy(() -> assembler.accept(first));
        assertTrue(bytes < 1024 * 1024, "assembler allocated " + bytes + " bytes for a 10-byte chunk");
        assertEquals(10, assembler.pendingBytes());
        byte[] tooBig = new ModelMessage.Chunk("v3", sha, Long.MAX_VALUE / 2, 0, 2, new byte[10]).encode();
        long big = allocatedBy(() -> assertFalse(new ModelAssembler().accept(tooBig).rejections().isEmpty()));
        assertTrue(big < 1024 * 1024, big + " bytes");

        // a bundle payload with 0x7fffffff written over its header (the crafted-length cases with a valid
        // checksum are ModelBundleTest's hugeDeclaredLengthAllocatesNothing and absurdShapesAllocateNothing)
        byte[] payload = ModelBundle.toPayload(io.mindstream.testing.TestModels.model("v4", 5, 1));
        for (int at = 8; at < 64; at += 4) {
            byte[] forged = payload.clone();
            ByteBuffer.wrap(forged).order(ByteOrder.LITTLE_ENDIAN).putInt(at, Integer.MAX_VALUE);
            int offset = at;
            rejectedCheaply("a bundle with 0x7fffffff at byte " + offset, () -> ModelBundle.fromPayload(forged));
        }

        // a binary interest update claiming K' = d = 65535 (16 GiB of floats) in a 100-byte record
        BinaryInterestCodec codec = new BinaryInterestCodec();
        byte[] update = codec.encode(new io.mindstream.event.InterestUpdate("u", "v1", 1, 2, new float[] {1, 2},
                io.mindstream.event.InterestUpdate.Cause.EVENT, "e", 1L, 1, 0, 1L, 1L));
        ByteBuffer b = ByteBuffer.wrap(update).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(6, (short) 0xFFFF).putShort(8, (short) 0xFFFF);
        rejectedCheaply("an interest update claiming 65535 x 65535 floats", () -> codec.decode(update));
        b.putShort(6, (short) 40_000).putShort(8, (short) 40_000);
        rejectedCheaply("an interest update claiming 40000 x 40000 floats", () -> codec.decode(update));
    }
}
