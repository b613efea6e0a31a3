package io.mindstream.train;

import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;

import java.time.Duration;

/**
 * Everything a training run is configured by, with the defaults of the {@code train} command. Setters
 * return {@code this}; {@link #validate()} checks the whole set once and names the offending flag.
 */
public final class TrainOptions {

    /** Above this vocabulary size the default output layer is sampled softmax. */
    public static final int FULL_SOFTMAX_MAX_ITEMS = 50_000;
    /** Negatives per batch of sampled softmax when not given (ComiRec: 10 x batch). */
    public static final int DEFAULT_NEGATIVES = 1280;

    int dim = 64;
    int interests = 4;
    int maxLen = 20;
    int routingIterations = 3;
    RoutingSoftmax routingSoftmax = RoutingSoftmax.INTERESTS;
    boolean dynamicInterests = true;
    float initStddev = 1.0f;
    float attentionPower = Float.POSITIVE_INFINITY;
    int batch = 128;
    float lr = 0.005f;
    /** -1: automatic (full softmax up to {@link #FULL_SOFTMAX_MAX_ITEMS} items); 0: full; else sampled. */
    int negatives = -1;
    long iterations = Long.MAX_VALUE;
    Duration timeBudget = Duration.ofMinutes(10);
    Duration baselineTimeBudget;
    int evalEvery = 500;
    int patience = 10;
    long seed = 42;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    DataSplit.Mode split = DataSplit.Mode.COMIREC;
    boolean baselines = true;
    /** Warm start: rows of items this model knows start from its weights, S too; null for a cold start. */
    io.mindstream.model.MindModel warmStart;

    public TrainOptions dim(int v) { dim = v; return this; }
    public TrainOptions interests(int v) { interests = v; return this; }
    public TrainOptions maxLen(int v) { maxLen = v; return this; }
    public TrainOptions routingIterations(int v) { routingIterations = v; return this; }
    public TrainOptions routingSoftmax(RoutingSoftmax v) { routingSoftmax = v; return this; }
    public TrainOptions dynamicInterests(boolean v) { dynamicInterests = v; return this; }
    public TrainOptions attentionPower(float v) { attentionPower = v; return this; }
    public TrainOptions batch(int v) { batch = v; return this; }
    public TrainOptions lr(float v) { lr = v; return this; }
    public TrainOptions negatives(int v) { negatives = v; return this; }
    public TrainOptions iterations(long v) { iterations = v; return this; }
    public TrainOptions timeBudget(Duration v) { timeBudget = v; return this; }
    public TrainOptions baselineTimeBudget(Duration v) { baselineTimeBudget = v; return this; }
    public TrainOptions evalEvery(int v) { evalEvery = v; return this; }
    public TrainOptions patience(int v) { patience = v; return this; }
    public TrainOptions seed(long v) { seed = v; return this; }
    public TrainOptions threads(int v) { threads = v; return this; }
    public TrainOptions split(DataSplit.Mode v) { split = v; return this; }
    public TrainOptions baselines(boolean v) { baselines = v; return this; }
    public TrainOptions warmStart(io.mindstream.model.MindModel v) { warmStart = v; return this; }

    public int dim() { return dim; }
    public int interests() { return interests; }
    public int maxLen() { return maxLen; }
    public int batch() { return batch; }
    public float lr() { return lr; }
    public long seed() { return seed; }
    public int threads() { return threads; }
    public Duration timeBudget() { return timeBudget; }
    public long iterations() { return iterations; }
    public DataSplit.Mode splitMode() { return split; }

    /** The budget of the single-vector baseline: given, or a third of the main budget. */
    public Duration effectiveBaselineBudget() {
        return baselineTimeBudget != null ? baselineTimeBudget : timeBudget.dividedBy(3);
    }

    /** The negatives per batch for a vocabulary of {@code vocab} items; 0 means full softmax. */
    public int effectiveNegatives(int vocab) {
        if (negatives < 0) {
            return vocab <= FULL_SOFTMAX_MAX_ITEMS ? 0 : Math.min(DEFAULT_NEGATIVES, vocab - 1);
        }
        return Math.min(negatives, vocab - 1);
    }

    /** The routing hyper-parameters the bundle will carry. */
    public RoutingConfig routingConfig() {
        return new RoutingConfig(dim, interests, routingIterations, maxLen, dynamicInterests, routingSoftmax, initStddev);
    }

    /** @throws IllegalArgumentException naming the flag that is out of range */
    public TrainOptions validate() {
        positive("--dim", dim, RoutingConfig.MAX_DIM);
        positive("--interests", interests, RoutingConfig.MAX_INTERESTS);
        positive("--max-len", maxLen, RoutingConfig.MAX_SEQUENCE_LENGTH);
        positive("--routing-iterations", routingIterations, RoutingConfig.MAX_ITERATIONS);
        positive("--batch", batch, 1 << 16);
        positive("--eval-every", evalEvery, Integer.MAX_VALUE);
        positive("--patience", patience, Integer.MAX_VALUE);
        positive("--threads", threads, 1024);
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
        }
        if (!(attentionPower > 0)) {
            throw new IllegalArgumentException("--attention-power must be positive (or inf for hard attention), got "
                    + attentionPower);
        }
        if (negatives < -1) {
            throw new IllegalArgumentException("--negatives must be 0 (full softmax), positive, or omitted; got " + negatives);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("--iterations must be at least 1, got " + iterations);
        }
        if (timeBudget == null || timeBudget.isNegative() || timeBudget.isZero()) {
            throw new IllegalArgumentException("--time-budget must be a positive ISO-8601 duration such as PT8M, got "
                    + timeBudget);
        }
        if (baselineTimeBudget != null && (baselineTimeBudget.isNegative() || baselineTimeBudget.isZero())) {
            throw new IllegalArgumentException("--baseline-time-budget must be a positive ISO-8601 duration, got "
                    + baselineTimeBudget);
        }
        routingConfig();
        if (warmStart != null && warmStart.dim() != dim) {
            throw new IllegalArgumentException("--dim " + dim + " differs from the embedding_dim " + warmStart.dim()
                    + " of the warm-start model " + warmStart.version());
        }
        return this;
    }

    private static void positive(String flag, long v, long max) {
        if (v < 1 || v > max) {
            throw new IllegalArgumentException(flag + " must be in 1.." + max + ", got " + v);
        }
    }
}
