package io.mindstream.routing;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A random routing input with a fixed seed: a mapped table, the rows of n behaviours (with repeats, as real
 * sequences have) and k x n initial logits. Each call to {@link #run} works on fresh copies, so one problem
 * can be given to several kernels.
 */
final class RoutingProblem {

    final int tableRows;
    final int n;
    final int k;
    final int dim;
    final int iterations;
    final RoutingSoftmax softmax;
    final float[] table;
    final int[] rows;
    final float[] logits;

    RoutingProblem(long seed, int n, int k, int dim, int iterations, RoutingSoftmax softmax) {
        SplittableRandom random = new SplittableRandom(seed);
        this.tableRows = Math.max(8, 2 * n);
        this.n = n;
        this.k = k;
        this.dim = dim;
        this.iterations = iterations;
        this.softmax = softmax;
        // scale 1/sqrt(d) keeps |u| near 1, the regime a trained model lives in
        float scale = (float) (1.0 / Math.sqrt(dim));
        this.table = new float[tableRows * dim];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) random.nextDouble(-1.7, 1.7) * scale;
        }
        this.rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = random.nextInt(tableRows);
        }
        this.logits = new float[k * n];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextDouble(-2, 2);
        }
    }

    /** The k x dim interests the kernel computes. */
    float[] run(RoutingKernel kernel) {
        float[] b = Arrays.copyOf(logits, logits.length);
        float[] scratch = new float[kernel.scratchSize(n, k, dim)];
        // junk in the scratch must not leak into the result
        Arrays.fill(scratch, Float.NaN);
        float[] out = new float[k * dim];
        kernel.route(table, rows.clone(), n, k, dim, iterations, softmax, b, scratch, out);
        return out;
    }

    @Override
    public String toString() {
        return "n=" + n + " k=" + k + " d=" + dim + " R=" + iterations + " " + softmax.wireName();
    }
}
