package io.mindstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mindstream.testing.FlinkStandaloneCluster;
import io.mindstream.testing.KafkaBrokerProcess;
import io.mindstream.testing.ManagedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deployment path on real processes: a standalone Flink cluster (JobManager and TaskManager JVMs started
 * from Maven-resolved jars with the project's flink-conf/config.yaml) and a Kafka broker JVM.
 */
class StandaloneClusterITCase {

    private static final Duration START = Duration.ofSeconds(90);

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void taskManagerRegistersServesMetricsAndRejoinsAfterSigkill() throws Exception {
        try (FlinkStandaloneCluster cluster = FlinkStandaloneCluster.builder("standalone-cluster").build()) {
            long t0 = System.nanoTime();
            cluster.start(1, START);
            long startedMs = (System.nanoTime() - t0) / 1_000_000;

            JsonNode overview = cluster.rest().get("/overview");
            assertEquals("2.3.0", overview.path("flink-version").asText());
            assertEquals(1, overview.path("taskmanagers").asInt());
            // numberOfTaskSlots comes from the project's config.yaml, not from a test override.
            assertEquals(2, overview.path("slots-total").asInt());

            ManagedProcess tm = cluster.taskManagers().get(0);
            List<String> tmArgs = tm.commandLine();
            assertTrue(tmArgs.contains("jdk.incubator.vector"), "TaskManager JVM lacks --add-modules jdk.incubator.vector: " + tmArgs);
            assertTrue(tmArgs.stream().anyMatch(a -> a.startsWith("-XX:MaxDirectMemorySize=")),
                    "TaskManager JVM lacks the memory flags Flink's scripts compute: " + tmArgs);

            String metrics = scrape(cluster.prometheusPort(tm));
            assertTrue(metrics.contains("flink_taskmanager_Status_JVM_Memory_Heap_Used"), "TaskManager /metrics:\n"
                    + metrics.substring(0, Math.min(2000, metrics.length())));
            assertTrue(scrape(cluster.prometheusPort(cluster.jobManager())).contains("flink_jobmanager_numRegisteredTaskManagers"));

            long killedAt = System.nanoTime();
            cluster.killTaskManager(tm);
            cluster.awaitTaskManagers(0, Duration.ofSeconds(30));
            long lostMs = (System.nanoTime() - killedAt) / 1_000_000;

            long restartAt = System.nanoTime();
            cluster.startTaskManager();
            cluster.awaitTaskManagers(1, START);
            long rejoinedMs = (System.nanoTime() - restartAt) / 1_000_000;
            System.out.printf("standalone cluster: up in %d ms; SIGKILLed TaskManager dropped after %d ms; "
                    + "replacement registered after %d ms%n", startedMs, lostMs, rejoinedMs);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void brokerProcessKeepsAcknowledgedRecordsAcrossASigkillAndRestart() throws Exception {
        try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start("kafka-broker", START)) {
            kafka.createTopics(List.of(new NewTopic("records", 2, (short) 1)));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafka))) {
                for (int i = 0; i < 200; i++) {
                    producer.send(new ProducerRecord<>("records", "k" + (i % 7), "v" + i));
                }
                producer.flush();
            }
            kafka.kill();
            long restartAt = System.nanoTime();
            kafka.startBroker(START);
            long restartMs = (System.nanoTime() - restartAt) / 1_000_000;

            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(kafka))) {
                consumer.subscribe(List.of("records"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (values.size() < 200 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        values.add(r.value());
                    }
                }
            }
            assertEquals(200, values.size(), "records after the broker restart");
            assertEquals(200, values.stream().distinct().count());
            System.out.printf("kafka broker process: restarted after SIGKILL in %d ms, 200/200 records read back%n", restartMs);
        }
    }

    static String scrape(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    static Properties producerProps(KafkaBrokerProcess kafka) {
        Properties p = new Properties();
        p.putAll(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
        return p;
    }

    static Properties consumerProps(KafkaBrokerProcess kafka) {
        Properties p = new Properties();
        p.putAll(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
        return p;
    }
}
