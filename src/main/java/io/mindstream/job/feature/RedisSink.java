package io.mindstream.job.feature;

import io.mindstream.event.InterestUpdate;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.InterestRecord;

import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.strategy.AIMDScalingStrategy;
import org.apache.flink.connector.base.sink.writer.strategy.CongestionControlRateLimitingStrategy;
import org.apache.flink.connector.base.sink.writer.strategy.RateLimitingStrategy;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A Flink sink that keeps the latest interests of every user in Redis (the online feature store), on Flink's
 * async sink framework: buffering with backpressure, batches of pipelined EVALSHA calls, re-queueing of failed
 * writes, buffered writes in checkpoints.
 *
 * <p>Each write is an idempotent compare-and-set on update_seq ({@link io.mindstream.feature.WriteScript}), so
 * the sink is at-least-once towards Redis and the stored state is still exactly the newest update of each user:
 * duplicates, replays after a recovery and out-of-order batches are skipped by Redis.
 *
 * <p>The stream's own type plugs in through an {@link ElementConverter} to {@link RedisWriteEntry}; for
 * {@link InterestRecord} use {@link #forInterestRecords(FeatureStoreOptions)}.
 *
 * @param <T> the stream element
 */
public class RedisSink<T> extends AsyncSinkBase<T, RedisWriteEntry> {

    private static final long serialVersionUID = 1L;
    /** Bytes per batch cap; large enough that batch-size, not bytes, bounds a batch of typical interests. */
    private static final long MAX_BATCH_BYTES = 64L << 20;

    private final FeatureStoreOptions options;

    public RedisSink(FeatureStoreOptions options, ElementConverter<T, RedisWriteEntry> converter) {
        super(Objects.requireNonNull(converter, "converter"),
                options.batchSize(),
                options.maxInFlight(),
                options.maxBuffered(),
                Math.max(MAX_BATCH_BYTES, options.maxRecordBytes()),
                options.maxTimeInBuffer().toMillis(),
                options.maxRecordBytes(),
                requestTimeoutMillis(options),
                false);
        this.options = options;
    }

    /** The job's sink: each {@link InterestUpdate} becomes the write of its user's latest interests. */
    public static RedisSink<InterestUpdate> forInterestUpdates(FeatureStoreOptions options) {
        return new RedisSink<>(options, new InterestUpdateConverter());
    }

    /** A sink of {@link InterestRecord}s. */
    public static RedisSink<InterestRecord> forInterestRecords(FeatureStoreOptions options) {
        return new RedisSink<>(options, new InterestRecordConverter());
    }

    /**
     * The framework's per-batch deadline: beyond the client's command timeout (which normally fires first and
     * re-queues the batch), so it only catches a batch the client never answered. Such a batch is retried.
     */
    static long requestTimeoutMillis(FeatureStoreOptions options) {
        return 2 * options.commandTimeout().toMillis() + 5_000;
    }

    public FeatureStoreOptions options() {
        return options;
    }

    @Override
    public StatefulSinkWriter<T, BufferedRequestState<RedisWriteEntry>> createWriter(WriterInitContext context) {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<T, BufferedRequestState<RedisWriteEntry>> restoreWriter(
            WriterInitContext context, Collection<BufferedRequestState<RedisWriteEntry>> recoveredState) {
        return new RedisSinkWriter<>(getElementConverter(), context, options, writerConfiguration(), recoveredState);
    }

    /** What each writer is built with; package-visible for tests. */
    org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration writerConfiguration() {
        return org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration.builder()
                .setMaxBatchSize(getMaxBatchSize())
                .setMaxBatchSizeInBytes(getMaxBatchSizeInBytes())
                .setMaxInFlightRequests(getMaxInFlightRequests())
                .setMaxBufferedRequests(getMaxBufferedRequests())
                .setMaxTimeInBufferMS(getMaxTimeInBufferMS())
                .setMaxRecordSizeInBytes(getMaxRecordSizeInBytes())
                .setRequestTimeoutMS(getRequestTimeoutMS())
                .setFailOnTimeout(getFailOnTimeout())
                .setRateLimitingStrategy(rateLimiting(getMaxBatchSize(), getMaxInFlightRequests()))
                .build();
    }

    /**
     * Starts at the full pipeline depth (max-in-flight batches of batch-size writes). The framework's default
     * starts at a single batch and grows by 10 writes per answer, which keeps a fast Redis idle between round
     * trips for hundreds of batches. Failed writes still halve the depth, and each answered batch adds one batch
     * worth of writes back.
     */
    static RateLimitingStrategy rateLimiting(int batchSize, int maxInFlight) {
        int depth = (int) Math.min(Integer.MAX_VALUE, (long) batchSize * maxInFlight);
        return CongestionControlRateLimitingStrategy.builder()
                .setMaxInFlightRequests(maxInFlight)
                .setInitialMaxInFlightMessages(depth)
                .setScalingStrategy(AIMDScalingStrategy.builder(depth)
                        .setIncreaseRate(batchSize)
                        .setDecreaseFactor(0.5)
                        .build())
                .build();
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<RedisWriteEntry>> getWriterStateSerializer() {
        return new RedisWriteEntryStateSerializer();
    }
}
