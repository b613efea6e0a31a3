package io.mindstream.routing;

/**
 * The hyper-parameters of B2I dynamic routing, as carried by a model bundle's config.json.
 *
 * @param embeddingDim       d, the length of every item embedding and interest vector
 * @param maxInterests       K, the number of interests (the upper bound when dynamic)
 * @param iterations         R, routing iterations
 * @param maxSequenceLength  L, how many of the most recent known behaviours take part
 * @param dynamicInterests   whether K' = max(1, min(K, floor(log2 n))) or always K
 * @param softmax            the axis of the routing softmax
 * @param initStddev         standard deviation of the initial routing logits
 */
public record RoutingConfig(
        int embeddingDim,
        int maxInterests,
        int iterations,
        int maxSequenceLength,
        boolean dynamicInterests,
        RoutingSoftmax softmax,
        float initStddev) {

    /** Bounds that keep every allocation derived from a config sane. */
    public static final int MAX_DIM = 4096;
    public static final int MAX_INTERESTS = 64;
    public static final int MAX_ITERATIONS = 100;
    public static final int MAX_SEQUENCE_LENGTH = 10_000;

    public RoutingConfig {
        check(embeddingDim >= 1 && embeddingDim <= MAX_DIM, "embedding_dim", embeddingDim, "1.." + MAX_DIM);
        check(maxInterests >= 1 && maxInterests <= MAX_INTERESTS, "max_interests", maxInterests, "1.." + MAX_INTERESTS);
        check(iterations >= 1 && iterations <= MAX_ITERATIONS, "routing_iterations", iterations, "1.." + MAX_ITERATIONS);
        check(maxSequenceLength >= 1 && maxSequenceLength <= MAX_SEQUENCE_LENGTH,
                "max_sequence_length", maxSequenceLength, "1.." + MAX_SEQUENCE_LENGTH);
        if (softmax == null) {
            throw new IllegalArgumentException("routing_softmax is missing");
        }
        if (!(initStddev >= 0f) || Float.isInfinite(initStddev) || initStddev > 100f) {
            throw new IllegalArgumentException("init_stddev must be a finite number in [0, 100], got " + initStddev);
        }
    }

    private static void check(boolean ok, String key, int value, String range) {
        if (!ok) {
            throw new IllegalArgumentException(key + " must be in " + range + ", got " + value);
        }
    }

    /**
     * K', the number of interests for n usable behaviours: 0 when n = 0; else
     * max(1, min(K, floor(log2 n))) when dynamic, K otherwise.
     */
    public int interestCount(int n) {
        if (n <= 0) {
            return 0;
        }
        if (!dynamicInterests) {
            return maxInterests;
        }
        int log2 = 31 - Integer.numberOfLeadingZeros(n);
        return Math.max(1, Math.min(maxInterests, log2));
    }
}
