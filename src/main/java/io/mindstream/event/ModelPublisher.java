package io.mindstream.event;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;

/**
 * Publishes model payloads to the weights topic: inline as chunks (each below the Kafka message limit), or as a
 * reference to a payload file. Uses an idempotent producer with acks=all, so chunks are neither lost nor
 * duplicated nor reordered on the single partition; the record key is the model version. The trainer and the
 * {@code publish} command share this class.
 */
public final class ModelPublisher implements AutoCloseable {

    /** Below Kafka's default max.message.bytes (1 MiB) with room for the record and message headers. */
    public static final int DEFAULT_CHUNK_BYTES = 900 * 1024;

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final int chunkBytes;

    public ModelPublisher(String bootstrapServers, String topic, int chunkBytes, Map<String, String> extra) {
        if (chunkBytes < 1024) {
            throw new IllegalArgumentException("chunk size must be at least 1024 bytes, got " + chunkBytes);
        }
        Properties p = new Properties();
        p.putAll(extra);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(chunkBytes + 64 * 1024));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
        this.topic = topic;
        this.chunkBytes = chunkBytes;
    }

    /**
     * Publishes a payload inline and waits until every chunk is acknowledged.
     *
     * @return the number of chunks
     */
    public int publishInline(String modelVersion, byte[] payload) throws Exception {
        List<ModelMessage.Chunk> chunks = ModelMessage.chunk(modelVersion, payload, chunkBytes);
        List<byte[]> values = new ArrayList<>(chunks.size());
        for (ModelMessage.Chunk c : chunks) {
            values.add(c.encode());
        }
        send(modelVersion, values);
        return chunks.size();
    }

    /** Publishes a reference to a payload stored at {@code uri}, with its SHA-256 and size. */
    public void publishReference(String modelVersion, byte[] payload, String uri) throws Exception {
        byte[] sha = ModelMessage.sha256(payload);
        send(modelVersion, List.of(new ModelMessage.Reference(modelVersion, sha, payload.length, uri).encode()));
    }

    private void send(String modelVersion, List<byte[]> values) throws Exception {
        byte[] key = modelVersion.getBytes(StandardCharsets.UTF_8);
        List<Future<?>> acks = new ArrayList<>(values.size());
        for (byte[] v : values) {
            acks.add(producer.send(new ProducerRecord<>(topic, 0, key, v)));
        }
        producer.flush();
        for (Future<?> a : acks) {
            a.get();
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
