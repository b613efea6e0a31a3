package io.mindstream.routing;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitialLogitsTest {

    private static final long MODEL = InitialLogits.modelSeed("model-1");

    private static float[] logits(String user, long modelSeed, int[] rows, int k, float stddev) {
        float[] out = new float[k * rows.length];
        InitialLogits.fill(InitialLogits.userSeed(user, modelSeed), rows, rows.length, k, stddev, out);
        return out;
    }

    @Test
    void sameUserModelAndRowsGiveBitIdenticalLogits() {
        int[] rows = {5, 9, 2, 5, 40};
        assertArrayEquals(logits("u1", MODEL, rows, 4, 1f), logits("u1", MODEL, rows, 4, 1f));
    }

    @Test
    void differentUsersAndModelVersionsGiveDifferentDraws() {
        int[] rows = {5, 9, 2, 5, 40};
        float[] base = logits("u1", MODEL, rows, 4, 1f);
        assertFalse(Arrays.equals(base, logits("u2", MODEL, rows, 4, 1f)));
        assertFalse(Arrays.equals(base, logits("u1", InitialLogits.modelSeed("model-2"), rows, 4, 1f)));
    }

    @Test
    void aLogitIsKeyedByItemSoItSurvivesTheWindowSliding() {
        float[] before = logits("u1", MODEL, new int[] {3, 4, 5}, 2, 1f);
        float[] after = logits("u1", MODEL, new int[] {4, 5, 6}, 2, 1f);
        for (int j = 0; j < 2; j++) {
            assertEquals(before[j * 3 + 1], after[j * 3], "item 4, interest " + j);
            assertEquals(before[j * 3 + 2], after[j * 3 + 1], "item 5, interest " + j);
        }
    }

    /** Every kernel's initial logits equal the scalar definition bit for bit, for any n (whole vectors or not) and k. */
    @Test
    void everyKernelComputesTheSameLogitsBitForBit() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(13);
        for (RoutingKernel kernel : java.util.List.of(RoutingKernels.scalar(), RoutingKernels.vector())) {
            for (int n : new int[] {1, 3, 7, 8, 9, 16, 50, 101}) {
                for (int k = 1; k <= 9; k++) {
                    int[] rows = new int[n];
                    for (int i = 0; i < n; i++) {
                        rows[i] = r.nextInt(100_000);
                    }
                    long seed = InitialLogits.userSeed("user-" + n + "-" + k, MODEL);
                    float[] expected = new float[k * n];
                    InitialLogits.fill(seed, rows, n, k, 0.7f, expected);
                    // dirty buffers, larger than needed: nothing beyond k x n is read or written
                    float[] actual = new float[k * n + 5];
                    Arrays.fill(actual, Float.NaN);
                    long[] scratch = new long[kernel.initialLogitsScratchSize(n, k) + 3];
                    Arrays.fill(scratch, -1L);
                    kernel.initialLogits(seed, rows, n, k, 0.7f, actual, scratch);
                    assertArrayEquals(expected, Arrays.copyOf(actual, k * n), kernel.name() + " n=" + n + " k=" + k);
                    for (int x = k * n; x < actual.length; x++) {
                        assertTrue(Float.isNaN(actual[x]), kernel.name() + " wrote past k x n");
                    }
                }
            }
        }
    }

    @Test
    void stddevScalesTheDraws() {
        int[] rows = {1, 2, 3};
        float[] one = logits("u", MODEL, rows, 3, 1f);
        float[] half = logits("u", MODEL, rows, 3, 0.5f);
        for (int x = 0; x < one.length; x++) {
            assertEquals(one[x] * 0.5f, half[x], 1e-7f);
        }
        float[] zero = logits("u", MODEL, rows, 3, 0f);
        for (float b : zero) {
            assertEquals(0f, b, 0f);
        }
    }

    /**
     * Over 100,000 users x 8 rows x 4 interests the draws have mean 0 and standard deviation init_stddev. The
     * draws are a fixed function of the users, so the outcome never changes from run to run; the bounds are
     * still set at more than 10 standard errors of a true N(0, 1) sample (mean: 1/sqrt(3.2e6) = 5.6e-4;
     * variance: sqrt(2/3.2e6) = 7.9e-4), plus the known 0.2% variance shortfall of the clamped tails.
     */
    @Test
    void deterministicDrawsAreDistributedAsNormalWithTheConfiguredStddev() {
        float stddev = 0.7f;
        int[] rows = {0, 1, 2, 3, 17, 1000, 123456, 7};
        float[] out = new float[4 * rows.length];
        double sum = 0;
        double sumSq = 0;
        double sumFourth = 0;
        long count = 0;
        long beyondTwoSigma = 0;
        for (int u = 0; u < 100_000; u++) {
            InitialLogits.fill(InitialLogits.userSeed("user-" + u, MODEL), rows, rows.length, 4, stddev, out);
            for (float b : out) {
                double z = b / stddev;
                sum += z;
                sumSq += z * z;
                sumFourth += z * z * z * z;
                if (Math.abs(z) > 2) {
                    beyondTwoSigma++;
                }
                count++;
            }
        }
        double mean = sum / count;
        double variance = sumSq / count - mean * mean;
        assertTrue(Math.abs(mean) < 0.006, "mean " + mean);
        assertTrue(Math.abs(variance - 1) < 0.01, "variance " + variance);
        // a normal, not just any unit-variance distribution: kurtosis 3 and 4.55% beyond two sigma
        assertEquals(3.0, sumFourth / count, 0.05, "fourth moment");
        assertEquals(0.0455, (double) beyondTwoSigma / count, 0.002, "share beyond two sigma");
    }

    @Test
    void inverseNormalTableMatchesKnownQuantiles() {
        assertEquals(0.0, InitialLogits.inverseNormalCdf(0.5), 1e-9);
        assertEquals(1.959963985, InitialLogits.inverseNormalCdf(0.975), 1e-8);
        assertEquals(-2.326347874, InitialLogits.inverseNormalCdf(0.01), 1e-8);
        // the interpolated draw at the middle of the range
        assertEquals(0.0, InitialLogits.standardNormal(0x80000000), 1e-6);
    }
}
