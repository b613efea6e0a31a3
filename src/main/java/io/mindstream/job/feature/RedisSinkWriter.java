package io.mindstream.job.feature;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.mindstream.feature.FeatureStoreException;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.RedisConnector;
import io.mindstream.feature.WriteScript;

import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes batches of {@link RedisWriteEntry} as pipelined EVALSHA calls of the write script on one connection.
 *
 * <p>Threads: batches are issued on the task's mailbox thread only (the connection's command flushing is
 * manual, so one batch goes out as one write); results arrive on Lettuce's threads and are handed to the
 * framework's {@link ResultHandler}, which moves them back to the mailbox.
 *
 * <p>Failures: a missing script (NOSCRIPT, e.g. after a Redis restart) re-queues the affected writes and the next
 * batch starts with an EVAL, which loads the script; connection loss, timeouts and transient server states
 * (LOADING, BUSY, READONLY, ...) re-queue the writes after a short back-off; any other server error (a script
 * error, WRONGTYPE because the key prefix collides with foreign data, an authentication error) fails the job,
 * as does a run of failures with no successful batch for longer than {@code retry-timeout}.
 */
final class RedisSinkWriter<T> extends AsyncSinkWriter<T, RedisWriteEntry> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSinkWriter.class);

    /** Server error prefixes that describe a passing state of the server, worth retrying. */
    private static final List<String> TRANSIENT_ERRORS = List.of("LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN",
            "CLUSTERDOWN", "READONLY", "OOM");
    private static final long MAX_BACKOFF_MS = 1_000;

    private final FeatureStoreOptions options;
    private final byte[] ttlMillis;
    private final RedisConnector connector;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisAsyncCommands<byte[], byte[]> commands;

    /** Set by a NOSCRIPT reply; the next batch then sends its first write with EVAL. */
    private volatile boolean scriptMissing;
    /** System.nanoTime() of the first failure since the last successful batch; 0 while healthy. */
    private final AtomicLong failingSince = new AtomicLong();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    private final Counter writesApplied;
    private final Counter duplicatesSkipped;
    private final Counter staleSkipped;
    private final Counter writesRetried;
    private final Counter scriptLoads;

    RedisSinkWriter(ElementConverter<T, RedisWriteEntry> converter, WriterInitContext context,
                    FeatureStoreOptions options, AsyncSinkWriterConfiguration configuration,
                    Collection<BufferedRequestState<RedisWriteEntry>> state) {
        super(converter, context, configuration, state);
        this.options = options;
        this.ttlMillis = ascii(options.ttl().toMillis());
        MetricGroup metrics = context.metricGroup().addGroup("featureStore");
        this.writesApplied = metrics.counter("writesApplied", new ThreadSafeSimpleCounter());
        this.duplicatesSkipped = metrics.counter("duplicateWritesSkipped", new ThreadSafeSimpleCounter());
        this.staleSkipped = metrics.counter("staleWritesSkipped", new ThreadSafeSimpleCounter());
        this.writesRetried = metrics.counter("writesRetried", new ThreadSafeSimpleCounter());
        this.scriptLoads = metrics.counter("scriptLoads", new ThreadSafeSimpleCounter());
        this.connector = RedisConnector.create(options);
        try {
            this.connection = connector.connect();
        } catch (RuntimeException e) {
            connector.close();
            throw new FeatureStoreException("cannot connect to the feature store at " + options.describe() + ": "
                    + e.getMessage(), e);
        }
        // Loading up front spares the first batch a NOSCRIPT round trip; later cache losses (a restart, SCRIPT
        // FLUSH) are handled per batch.
        try {
            this.connection.sync().scriptLoad(WriteScript.SOURCE_BYTES);
        } catch (RuntimeException e) {
            close();
            throw new FeatureStoreException("cannot load the write script into the feature store at "
                    + options.describe() + ": " + e.getMessage(), e);
        }
        this.connection.setAutoFlushCommands(false);
        this.commands = connection.async();
        LOG.debug("Redis sink subtask writes to {}", options);
    }

    @Override
    protected void submitRequestEntries(List<RedisWriteEntry> entries, ResultHandler<RedisWriteEntry> handler) {
        boolean loadScript = scriptMissing;
        scriptMissing = false;
        List<RedisFuture<Long>> replies = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            RedisWriteEntry e = entries.get(i);
            byte[][] keys = {(options.keyPrefix() + e.userId()).getBytes(StandardCharsets.UTF_8)};
            byte[][] args = {
                ascii(e.updateSeq()),
                e.modelVersion().getBytes(StandardCharsets.UTF_8),
                ascii(e.updatedAt()),
                ascii(e.eventTs()),
                ascii(e.dim()),
                ascii(e.count()),
                e.interests(),
                ttlMillis,
                e.userId().getBytes(StandardCharsets.UTF_8),
            };
            RedisFuture<Long> reply;
            if (i == 0 && loadScript) {
                // EVAL caches the script on the server; the EVALSHAs behind it on this connection find it.
                scriptLoads.inc();
                reply = commands.eval(WriteScript.SOURCE_BYTES, ScriptOutputType.INTEGER, keys, args);
            } else {
                reply = commands.evalsha(WriteScript.SHA1, ScriptOutputType.INTEGER, keys, args);
            }
            replies.add(reply);
        }
        connection.flushCommands();
        CompletableFuture<?>[] all = replies.stream().map(RedisFuture::toCompletableFuture)
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(all).whenComplete((ignored, error) -> complete(entries, replies, handler));
    }

    private void complete(List<RedisWriteEntry> entries, List<RedisFuture<Long>> replies,
                          ResultHandler<RedisWriteEntry> handler) {
        List<RedisWriteEntry> retry = new ArrayList<>();
        Throwable lastRetryable = null;
        boolean anySuccess = false;
        for (int i = 0; i < entries.size(); i++) {
            RedisFuture<Long> reply = replies.get(i);
            Throwable failure = failureOf(reply);
            if (failure == null) {
                anySuccess = true;
                count(reply.toCompletableFuture().join());
                continue;
            }
            if (failure instanceof RedisNoScriptException) {
                scriptMissing = true;
                retry.add(entries.get(i));
            } else if (isFatal(failure)) {
                handler.completeExceptionally(new FeatureStoreException("Redis refused the write of user '"
                        + entries.get(i).userId() + "' (key " + options.key(entries.get(i).userId()) + ") at "
                        + options.describe() + ": " + failure.getMessage(), failure));
                return;
            } else {
                lastRetryable = failure;
                retry.add(entries.get(i));
            }
        }
        if (anySuccess) {
            failingSince.set(0);
            consecutiveFailures.set(0);
        }
        if (retry.isEmpty()) {
            handler.complete();
            return;
        }
        writesRetried.inc(retry.size());
        if (lastRetryable == null) {
            handler.retryForEntries(retry);
            return;
        }
        long now = System.nanoTime();
        failingSince.compareAndSet(0, now);
        long failingFor = now - failingSince.get();
        if (!anySuccess && failingFor > options.retryTimeout().toNanos()) {
            handler.completeExceptionally(new FeatureStoreException("no successful write to the feature store at "
                    + options.describe() + " for " + TimeUnit.NANOSECONDS.toSeconds(failingFor)
                    + " s (retry-timeout " + options.retryTimeout() + "); last error: " + lastRetryable, lastRetryable));
            return;
        }
        int failures = anySuccess ? 0 : consecutiveFailures.incrementAndGet();
        long backoff = failures == 0 ? 0 : Math.min(MAX_BACKOFF_MS, 25L << Math.min(failures, 10));
        if (failures == 1) {
            LOG.warn("Writes to the feature store at {} failed, retrying: {}", options.describe(),
                    lastRetryable.toString());
        }
        if (backoff == 0) {
            handler.retryForEntries(retry);
        } else {
            // Holding the in-flight slot during the back-off throttles the writer instead of spinning on a sick
            // server; the framework's own request timeout is far longer than the back-off.
            CompletableFuture.runAsync(() -> handler.retryForEntries(retry),
                    CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS));
        }
    }

    private void count(Long code) {
        if (code == null) {
            throw new IllegalStateException("the write script returned nothing");
        }
        if (code == WriteScript.APPLIED) {
            writesApplied.inc();
        } else if (code == WriteScript.DUPLICATE) {
            duplicatesSkipped.inc();
        } else if (code == WriteScript.STALE) {
            staleSkipped.inc();
        }
    }

    private static Throwable failureOf(RedisFuture<Long> reply) {
        try {
            reply.toCompletableFuture().join();
            return null;
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            Throwable t = e;
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        }
    }

    /** A server error reply that retrying cannot fix. Connection and timeout failures are never fatal. */
    static boolean isFatal(Throwable failure) {
        if (!(failure instanceof RedisCommandExecutionException) || failure instanceof RedisNoScriptException) {
            return false;
        }
        String message = failure.getMessage() == null ? "" : failure.getMessage().toUpperCase(Locale.ROOT);
        return TRANSIENT_ERRORS.stream().noneMatch(message::startsWith);
    }

    private static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    protected long getSizeInBytes(RedisWriteEntry entry) {
        return entry.sizeInBytes();
    }

    /** Applied writes so far (tests and the benchmark). */
    long writesApplied() {
        return writesApplied.getCount();
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            connector.close();
        }
    }
}
