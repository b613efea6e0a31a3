package io.mindstream.routing;

/**
 * One implementation of the B2I routing loop on float arrays. Implementations hold no state between
 * calls, allocate nothing, and are safe to share between threads; all buffers are passed in.
 */
public interface RoutingKernel {

    /** Short name used by benchmarks and logs: "vector" or "scalar". */
    String name();

    /**
     * How many floats of scratch {@link #route} needs for n behaviours, k interests and dimension d. The
     * plain kernel needs the k x n routing weights; faster ones also keep padded and transposed copies.
     */
    default int scratchSize(int n, int k, int dim) {
        return k * n;
    }

    /** How many longs of scratch {@link #initialLogits} needs for n behaviours and k interests. */
    default int initialLogitsScratchSize(int n, int k) {
        return 0;
    }

    /**
     * Fills {@code dst[j * n + i]} with the deterministic initial logits of {@link InitialLogits#fill}, equal to
     * them bit for bit; a kernel may compute them faster.
     *
     * @param scratch at least {@link #initialLogitsScratchSize initialLogitsScratchSize(n, k)} longs
     */
    default void initialLogits(long userSeed, int[] rows, int n, int k, float stddev, float[] dst, long[] scratch) {
        InitialLogits.fill(userSeed, rows, n, k, stddev, dst);
    }

    /**
     * Runs {@code iterations} rounds of dynamic routing of n behaviours into k interests.
     *
     * @param table      the mapped table u_hat = E·S, row-major, {@code dim} floats per row
     * @param rows       the table rows of the n usable behaviours, oldest first ({@code rows[0..n)})
     * @param n          number of behaviours, at least 1
     * @param k          number of interests K', at least 1
     * @param dim        embedding dimension d
     * @param iterations R, at least 1
     * @param softmax    the axis of the routing softmax
     * @param logits     the k x n initial logits, row-major ({@code logits[j * n + i]}); may be used as scratch
     *                   and overwritten
     * @param scratch    at least {@link #scratchSize scratchSize(n, k, dim)} floats of scratch
     * @param out        receives the interests v_1..v_k, row-major, {@code k * dim} floats
     * @throws IllegalArgumentException when scratch is too small
     */
    void route(float[] table, int[] rows, int n, int k, int dim, int iterations, RoutingSoftmax softmax,
               float[] logits, float[] scratch, float[] out);
}
