package io.mindstream.job;

import io.mindstream.event.DeadLetter;
import io.mindstream.event.OutputFormat;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The job's Kafka sources and sinks. Sources hand over raw records (bytes plus coordinates), so parsing and
 * its failures happen inside the pipeline where they can be dead-lettered.
 */
public final class KafkaConnectors {

    private KafkaConnectors() {
    }

    /**
     * Clicks from the group's committed offsets, falling back to the earliest offset for a new group. Offsets
     * are committed on checkpoints (for monitoring and for a fresh start without state; a restore uses the
     * offsets in the checkpoint).
     *
     * @param bounded stop at the offsets that are latest at start-up (tests)
     */
    public static KafkaSource<RawRecord> clicksSource(JobOptions o, boolean bounded) {
        var b = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setProperties(o.kafkaClientProperties())
                .setTopics(o.clicksTopic())
                .setGroupId(o.groupId())
                .setClientIdPrefix(o.groupId() + "-clicks")
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer());
        if (bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /**
     * The weights topic from the earliest offset, so a new or restarted job finds the current model. Its offsets
     * are committed too, for monitoring only: the start position never depends on them.
     */
    public static KafkaSource<RawRecord> weightsSource(JobOptions o, boolean bounded) {
        var b = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setProperties(o.kafkaClientProperties())
                .setTopics(o.weightsTopic())
                .setGroupId(o.groupId() + "-weights")
                .setClientIdPrefix(o.groupId() + "-weights")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RawRecordDeserializer());
        if (bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /** Interest updates keyed by user id, in the configured format and delivery guarantee. */
    public static KafkaSink<InterestUpdate> interestsSink(JobOptions o) {
        return sink(o, "interests", new InterestSerializer(o.interestsTopic(), o.outputFormat()));
    }

    /** Dead letters keyed by the original record key, as JSON. */
    public static KafkaSink<DeadLetter> deadLetterSink(JobOptions o) {
        return sink(o, "dead-letters", new DeadLetterSerializer(o.deadLetterTopic()));
    }

    /**
     * Producer settings of the sinks unless {@code --kafka-property} says otherwise: an update is ~1.1 KB (binary,
     * K = 4, d = 64), so Kafka's default 16 KB batch holds about 14 of them and a busy job sends a request for
     * every 14 updates. Batches of up to 256 KB (still sent after linger.ms = 5 at the latest, so a quiet stream is
     * not delayed) take far fewer requests at full load (measurements in docs/BENCHMARKS.md, "Pipeline").
     */
    static Properties sinkProducerDefaults() {
        Properties p = new Properties();
        p.setProperty("batch.size", String.valueOf(256 * 1024));
        p.setProperty("linger.ms", "5");
        return p;
    }

    private static <T> KafkaSink<T> sink(JobOptions o, String name, KafkaRecordSerializationSchema<T> serializer) {
        Properties producer = sinkProducerDefaults();
        producer.putAll(o.kafkaClientProperties());
        var b = KafkaSink.<T>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(serializer)
                .setProperty("transaction.timeout.ms", String.valueOf(o.transactionTimeout().toMillis()));
        if (o.delivery() == JobOptions.Delivery.EXACTLY_ONCE) {
            b.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(o.transactionalIdPrefix() + "-" + name);
        } else {
            b.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        return b.build();
    }

    /** Keeps every record, whatever its content: validation belongs to the pipeline. */
    public static final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
            out.collect(new RawRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return TypeInformation.of(RawRecord.class);
        }
    }

    /** key = user id (UTF-8), so a compacted topic keeps the latest interests of each user. */
    public static final class InterestSerializer implements KafkaRecordSerializationSchema<InterestUpdate> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private final OutputFormat format;

        public InterestSerializer(String topic, OutputFormat format) {
            this.topic = topic;
            this.format = format;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(InterestUpdate u, KafkaSinkContext ctx, Long timestamp) {
            return new ProducerRecord<>(topic, null, u.updatedAt(), u.userId().getBytes(StandardCharsets.UTF_8),
                    format.codec().encode(u));
        }
    }

    /** key = the original record's key, value = the dead-letter JSON. */
    public static final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public DeadLetterSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext ctx, Long timestamp) {
            return new ProducerRecord<>(topic, null, d.rejectedAt(), d.key(), d.toJson());
        }
    }
}
