package io.mindstream.train;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads the click topic from the earliest offsets to the end offsets taken at the start (a snapshot: clicks
 * that arrive meanwhile are left for the next run) and hands the values to a {@link ClickLoader} as JSONL
 * lines. No consumer group, no committed offsets: the trainer only reads.
 */
public final class KafkaClicks {

    private KafkaClicks() {
    }

    public static Interactions load(String bootstrapServers, String topic, ClickLoader loader, Duration timeout)
            throws IOException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IOException("clicks topic " + topic + " does not exist on " + bootstrapServers);
            }
            List<TopicPartition> parts = new ArrayList<>();
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts, timeout));
            end.entrySet().removeIf(e -> consumer.position(e.getKey(), timeout) >= e.getValue());
            Deque<String> buffer = new ArrayDeque<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            return loader.load(() -> {
                while (buffer.isEmpty() && !end.isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("reading " + topic + " did not reach the end offsets within " + timeout);
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        Long stop = end.get(tp);
                        if (stop != null && r.offset() < stop) {
                            buffer.add(r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8));
                        }
                    }
                    end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                }
                return buffer.poll();
            });
        }
    }
}
