package io.mindstream.train;

import io.mindstream.model.MindModel;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains MIND on click history and measures it honestly: the ComiRec user split, ComiRec-style samples (a
 * random training user, a random split point, the last L items before it predict the item at it), Adam,
 * early stopping on validation Recall@50 computed through the serving encoder, and the test measures of MIND
 * next to most-popular and the single-vector baseline trained by the same loop.
 *
 * <p>The programmatic entry point; the {@code train} command is a thin shell around it.
 */
public final class Trainer {

    /** What a running training reports. Implementations must be cheap; they are called every few steps. */
    public interface Listener {
        void progress(Progress p);

        void message(String line);

        Listener SILENT = new Listener() {
            @Override
            public void progress(Progress p) {
            }

            @Override
            public void message(String line) {
            }
        };
    }

    /**
     * @param phase    "mind" or "single-vector"
     * @param fraction of the run's budget spent (time or iterations, whichever is further along)
     */
    public record Progress(String phase, long step, long samples, double loss, double samplesPerSecond,
                           double fraction, Duration eta, double bestValidationRecall50) {
    }

    private Trainer() {
    }

    /** Splits the users (fixed seed), trains, evaluates; the model version is issued now. */
    public static TrainResult train(Interactions data, TrainOptions options, Listener listener) {
        return train(DataSplit.of(data, options.split, options.seed),
                ModelVersions.next(Instant.now(), null), options, listener);
    }

    /**
     * @param modelVersion the version the trained model will carry; fixed before training because the
     *                     deterministic initial logits depend on it, so validation measures exactly the
     *                     model that will be served
     */
    public static TrainResult train(DataSplit split, String modelVersion, TrainOptions options, Listener listener) {
        options.validate();
        configureThreads(options.threads);
        RoutingConfig routing = options.routingConfig();
        String[] vocab = split.vocabularyIds();
        int negatives = options.effectiveNegatives(vocab.length);
        List<DataSplit.HeldOut> validation = split.heldOut(split.validationUsers());
        List<DataSplit.HeldOut> test = split.heldOut(split.testUsers());
        if (validation.isEmpty()) {
            throw new IllegalArgumentException("no validation user has two or more behaviours; cannot early-stop");
        }
        listener.message(String.format("users: %d train, %d validation, %d test; vocabulary %d items; %s",
                split.trainUsers().length, validation.size(), test.size(), vocab.length,
                negatives == 0 ? "full softmax" : "sampled softmax, " + negatives + " negatives"));
        Evaluator evaluator = new Evaluator(split);

        Fit mind = fit(split, vocab, routing, Pooling.ROUTING, modelVersion, negatives, options,
                options.timeBudget, validation, evaluator, listener, "mind");
        MindModel model = mind.model;

        double candidateValidation = evaluator.evaluateRouting(model, validation).recall(50);
        double currentValidation = options.warmStart == null ? Double.NaN
                : evaluator.evaluateRouting(options.warmStart, validation).recall(50);

        Map<String, RankingMetrics> report = new LinkedHashMap<>();
        List<DataSplit.HeldOut> measured = test.isEmpty() ? validation : test;
        report.put("mind", evaluator.evaluateRouting(model, measured));
        report.put("most_popular", evaluator.evaluateMostPopular(measured));
        Fit single = null;
        if (options.baselines) {
            RoutingConfig one = new RoutingConfig(routing.embeddingDim(), 1, 1, routing.maxSequenceLength(), false,
                    routing.softmax(), routing.initStddev());
            single = fit(split, vocab, one, Pooling.MEAN, modelVersion + "-single-vector", negatives, options,
                    options.effectiveBaselineBudget(), validation, evaluator, listener, "single-vector");
            report.put("single_vector", evaluator.evaluateMean(single.model, measured));
        }
        return new TrainResult(model, test.isEmpty() ? "validation" : "test", report, mind.stats,
                single == null ? null : single.stats, split.trainUsers().length, validation.size(), test.size(),
                negatives, candidateValidation, currentValidation);
    }

    /** Limits ND4J's and OpenBLAS's threads to what the run was given (oversubscription costs 3-5x). */
    static void configureThreads(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** A finished run of one model: the best weights by validation Recall@50, and how it went. */
    private record Fit(MindModel model, TrainResult.RunStats stats) {
    }

    private static Fit fit(DataSplit split, String[] vocab, RoutingConfig routing, Pooling pooling, String version,
                           int negatives, TrainOptions o, Duration budget, List<DataSplit.HeldOut> validation,
                           Evaluator evaluator, Listener listener, String phase) {
        int V = vocab.length;
        int d = routing.embeddingDim();
        SplittableRandom rnd = new SplittableRandom(o.seed ^ (pooling == Pooling.MEAN ? 0x5bd1e995L : 0L));
        float[] e = new float[V * d];
        float[] s = new float[d * d];
        double sd = 1.0 / Math.sqrt(d);
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (rnd.nextGaussian() * sd);
        }
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (rnd.nextGaussian() * sd);
        }
        if (pooling == Pooling.ROUTING && o.warmStart != null) {
            int kept = warmStart(o.warmStart, vocab, e, s);
            listener.message(String.format("%s: warm start from %s: %d of %d items carried over, %d new",
                    phase, o.warmStart.version(), kept, V, V - kept));
        }
        MindNetwork net = new MindNetwork(routing, pooling, o.attentionPower, V, o.batch, negatives, e, s, o.threads);
        Gradients g = new Gradients(V, d);
        Adam adam = new Adam(o.lr, V, d);
        SampleSource samples = new SampleSource(split, routing.maxSequenceLength(), net.maxInterests,
                routing.initStddev(), negatives, rnd.split());
        Batch batch = new Batch(o.batch, routing.maxSequenceLength(), net.maxInterests, negatives);

        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        double bestRecall = -1;
        long bestStep = 0;
        float[] bestE = e.clone();
        float[] bestS = s.clone();
        int sinceBest = 0;
        long step = 0;
        double lossAvg = Double.NaN;
        long trainNanos = 0;
        int evaluations = 0;
        boolean stoppedEarly = false;
        while (step < o.iterations && System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            samples.fill(batch);
            g.clear();
            double loss = net.run(batch, g);
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException(phase + ": the loss became " + loss + " at step " + step
                        + "; lower --lr");
            }
            adam.apply(g, e, s);
            trainNanos += System.nanoTime() - t0;
            step++;
            lossAvg = Double.isNaN(lossAvg) ? loss : 0.98 * lossAvg + 0.02 * loss;
            boolean last = step >= o.iterations || System.nanoTime() >= deadline;
            if (step % 10 == 0 || last) {
                double sps = step * (double) o.batch / (trainNanos / 1e9);
                double fraction = Math.max((System.nanoTime() - start) / (double) budget.toNanos(),
                        o.iterations == Long.MAX_VALUE ? 0 : step / (double) o.iterations);
                fraction = Math.min(1, fraction);
                long elapsed = System.nanoTime() - start;
                Duration eta = fraction > 0 ? Duration.ofNanos((long) (elapsed / fraction - elapsed)) : Duration.ZERO;
                listener.progress(new Progress(phase, step, step * o.batch, lossAvg, sps, fraction, eta,
                        Math.max(0, bestRecall)));
            }
            if (step % o.evalEvery == 0 || last) {
                MindModel candidate = model(version, routing, vocab, e, s);
                RankingMetrics m = pooling == Pooling.MEAN ? evaluator.evaluateMean(candidate, validation)
                        : evaluator.evaluateRouting(candidate, validation);
                evaluations++;
                double r50 = m.recall(50);
                if (r50 > bestRecall) {
                    bestRecall = r50;
                    bestStep = step;
                    System.arraycopy(e, 0, bestE, 0, e.length);
                    System.arraycopy(s, 0, bestS, 0, s.length);
                    sinceBest = 0;
                } else if (++sinceBest >= o.patience) {
                    stoppedEarly = true;
                    listener.message(String.format("%s: early stop at step %d, best validation Recall@50 %.4f at step %d",
                            phase, step, bestRecall, bestStep));
                    break;
                }
                listener.message(String.format("%s: step %d, loss %.4f, validation Recall@50 %.4f (best %.4f)",
                        phase, step, lossAvg, r50, bestRecall));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double sps = trainNanos == 0 ? 0 : step * (double) o.batch / (trainNanos / 1e9);
        TrainResult.RunStats stats = new TrainResult.RunStats(step, step * o.batch, seconds, sps, bestStep,
                bestRecall, evaluations, stoppedEarly, lossAvg);
        return new Fit(model(version, routing, vocab, bestE, bestS), stats);
    }

    /**
     * Copies the rows of items the previous model knows and its S; new items keep their fresh rows, items
     * the previous model had but the data no longer has are dropped with it. Returns the rows carried over.
     */
    static int warmStart(MindModel previous, String[] vocab, float[] e, float[] s) {
        int d = previous.dim();
        float[] pe = previous.embeddingTable();
        int kept = 0;
        for (int r = 0; r < vocab.length; r++) {
            int pr = previous.rowOf(vocab[r]);
            if (pr >= 0) {
                System.arraycopy(pe, pr * d, e, r * d, d);
                kept++;
            }
        }
        System.arraycopy(previous.bilinearMatrix(), 0, s, 0, d * d);
        return kept;
    }

    static MindModel model(String version, RoutingConfig routing, String[] vocab, float[] e, float[] s) {
        return new MindModel(new ModelConfig(version, routing), vocab, e, s);
    }
}
