package io.mindstream.train;

import io.mindstream.demo.EmbeddedKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reading the click topic from a real broker: every partition to its end offset, bad records counted. */
@Timeout(120)
class KafkaClicksITCase {

    @Test
    void readsTheTopicSnapshotAcrossPartitions() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(List.of(EmbeddedKafka.topic("clicks", 3, Map.of())));
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < 30; i++) {
                    String user = "u" + (i % 3);
                    producer.send(new ProducerRecord<>("clicks", user,
                            "{\"user_id\":\"" + user + "\",\"item_id\":\"i" + i + "\",\"ts\":" + (1000 + i) + "}"));
                }
                producer.send(new ProducerRecord<>("clicks", "u0", "garbage"));
                producer.flush();
            }
            ClickLoader loader = new ClickLoader(InputFormat.JSONL);
            Interactions data = KafkaClicks.load(kafka.bootstrapServers(), "clicks", loader, Duration.ofSeconds(60));
            assertEquals(3, data.userCount());
            assertEquals(30, data.eventCount());
            assertEquals(1, loader.report().malformed());
            for (int u = 0; u < 3; u++) {
                String[] items = java.util.Arrays.stream(data.sequence(u)).mapToObj(data::itemId).toArray(String[]::new);
                int first = Integer.parseInt(data.userId(u).substring(1));
                String[] expected = new String[10];
                for (int k = 0; k < 10; k++) {
                    expected[k] = "i" + (first + 3 * k);
                }
                assertArrayEquals(expected, items, "time order of " + data.userId(u));
            }
        }
    }
}
