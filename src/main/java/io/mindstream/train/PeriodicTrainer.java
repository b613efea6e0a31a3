package io.mindstream.train;

import io.mindstream.model.MindModel;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Periodic retraining: every period, load the latest click history, warm-start from the last published model
 * (its items keep their rows, new items get fresh ones, vanished items are dropped), train, and publish only
 * when the quality gate passes: validation Recall@50 at least (1 - tolerance) x the previous model's on the
 * same validation users. A failed publish is retried with backoff; the previous model stays current until a
 * publish has fully succeeded.
 */
public final class PeriodicTrainer {

    /** Where a model goes. Must be all-or-nothing: on an exception nothing of the model is visible. */
    @FunctionalInterface
    public interface Publisher {
        void publish(MindModel model) throws Exception;
    }

    /** Loads the current click history. */
    @FunctionalInterface
    public interface Source {
        Interactions load() throws IOException;
    }

    /** What one round did. */
    public record Round(String version, boolean published, String reason, TrainResult result) {
    }

    private final Source source;
    private final TrainOptions options;
    private final double tolerance;
    private final Publisher publisher;
    private final Trainer.Listener listener;
    private final int publishAttempts;
    private final Duration retryBackoff;
    private MindModel current;

    public PeriodicTrainer(Source source, TrainOptions options, double tolerance, Publisher publisher,
                           MindModel current, Trainer.Listener listener, int publishAttempts, Duration retryBackoff) {
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("--gate-tolerance must be in [0, 1), got " + tolerance);
        }
        if (publishAttempts < 1) {
            throw new IllegalArgumentException("publish attempts must be at least 1");
        }
        this.source = source;
        this.options = options;
        this.tolerance = tolerance;
        this.publisher = Objects.requireNonNull(publisher);
        this.current = current;
        this.listener = listener;
        this.publishAttempts = publishAttempts;
        this.retryBackoff = retryBackoff;
    }

    /** The last published model (or the one given at start); null when none yet. */
    public MindModel current() {
        return current;
    }

    /** Runs {@code rounds} rounds (Long.MAX_VALUE: until interrupted), one every {@code every}. */
    public void run(Duration every, long rounds) throws InterruptedException {
        for (long i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            try {
                Round r = round();
                listener.message("round " + (i + 1) + ": model " + r.version() + (r.published() ? " published" : " not published")
                        + " (" + r.reason() + ")");
            } catch (IOException | RuntimeException e) {
                listener.message("round " + (i + 1) + " failed, the current model stays: " + e);
            }
            if (i + 1 < rounds) {
                long wait = every.toNanos() - (System.nanoTime() - start);
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        }
    }

    /** One round: load, train (warm), gate, publish. */
    public Round round() throws IOException, InterruptedException {
        Interactions data = source.load();
        String version = ModelVersions.next(Instant.now(), current == null ? null : current.version());
        options.warmStart(current);
        TrainResult r = Trainer.train(DataSplit.of(data, options.split, options.seed), version, options, listener);
        if (!r.passesGate(tolerance)) {
            return new Round(version, false, String.format("quality gate: validation Recall@50 %.4f < (1 - %.2f) x %.4f",
                    r.validationRecall50(), tolerance, r.previousValidationRecall50()), r);
        }
        Exception last = null;
        for (int attempt = 1; attempt <= publishAttempts; attempt++) {
            try {
                publisher.publish(r.model());
                current = r.model();
                return new Round(version, true, String.format("validation Recall@50 %.4f%s", r.validationRecall50(),
                        Double.isNaN(r.previousValidationRecall50()) ? ""
                                : String.format(" vs %.4f before", r.previousValidationRecall50())), r);
            } catch (Exception e) {
                last = e;
                listener.message("publish attempt " + attempt + " of " + publishAttempts + " failed: " + e);
                if (attempt < publishAttempts) {
                    Thread.sleep(retryBackoff.toMillis() << (attempt - 1));
                }
            }
        }
        return new Round(version, false, "publish failed after " + publishAttempts + " attempts: " + last, r);
    }
}
