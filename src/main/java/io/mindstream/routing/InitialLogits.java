package io.mindstream.routing;

/**
 * Deterministic initial routing logits.
 *
 * <p>Most MIND implementations redraw the initial logits on every call, so the same user gets different
 * interests each time. Here logit b_ji (interest j, behaviour i) is a pure function of
 * (user id, model version, the table row of behaviour i's item, j):
 * <pre>
 *   modelSeed = mix64(fnv1a64(model_version))
 *   userSeed  = mix64(fnv1a64(user_id) ^ modelSeed)
 *   itemSeed  = mix64(userSeed + (row + 1) * 0x9E3779B97F4A7C15)
 *   pair_mi   = mix64(itemSeed + (m + 1) * 0xD1B54A32D192ED03)      for m = floor(j / 2)
 *   bits_ji   = the high 32 bits of pair_mi for even j, the low 32 bits for odd j
 *   b_ji      = init_stddev * Phi^-1(u(bits_ji))
 * </pre>
 * where mix64 is the SplitMix64 finaliser, fnv1a64 runs over the UTF-16 code units of the string, and
 * Phi^-1 is the inverse standard normal CDF, tabulated at 4,096 equal probability steps and linearly
 * interpolated with the remaining 20 bits (absolute error below 2e-4 inside +-3.4 sigma; the draws are clamped to
 * +-3.7 sigma, a variance of 0.998 instead of 1).
 *
 * <p>Consequences: the same user, sequence and model version always give the same logits, hence the same
 * interests; different users get independent draws; and because a logit is keyed by the item rather than by
 * its position, an item keeps its logits while the window slides over it, which keeps a user's interests
 * stable from one event to the next. A repeated item gets the same logits at every occurrence, which is
 * harmless: its u_hat is the same too.
 */
public final class InitialLogits {

    private static final int TABLE_BITS = 12;
    private static final int TABLE_SIZE = 1 << TABLE_BITS;
    /** Phi^-1 at k / 4096 for k = 1..4095; the two ends are clamped to the 1/16384 and 16383/16384 quantiles. */
    private static final float[] QUANTILES = buildQuantiles();
    private static final int FRACTION_BITS = 32 - TABLE_BITS;
    private static final float FRACTION_SCALE = 1f / (1 << FRACTION_BITS);

    private InitialLogits() {
    }

    /** The seed of a model version; computed once per model. */
    public static long modelSeed(String modelVersion) {
        return mix64(fnv1a64(modelVersion));
    }

    /** The seed of one user under one model; computed once per call. */
    public static long userSeed(String userId, long modelSeed) {
        return mix64(fnv1a64(userId) ^ modelSeed);
    }

    /**
     * Fills {@code dst[j * n + i]} for j in [0, k) and i in [0, n) with the initial logits of the behaviours
     * whose table rows are {@code rows[0..n)}.
     */
    public static void fill(long userSeed, int[] rows, int n, int k, float stddev, float[] dst) {
        // One 64-bit hash gives the draws of two interests: half the mixing per call (the hot path of every event).
        for (int i = 0; i < n; i++) {
            long itemSeed = mix64(userSeed + (rows[i] + 1L) * 0x9E3779B97F4A7C15L);
            for (int j = 0; j < k; j += 2) {
                long pair = mix64(itemSeed + ((j >> 1) + 1L) * 0xD1B54A32D192ED03L);
                dst[j * n + i] = stddev * standardNormal((int) (pair >>> 32));
                if (j + 1 < k) {
                    dst[(j + 1) * n + i] = stddev * standardNormal((int) pair);
                }
            }
        }
    }

    /** Maps 32 uniformly distributed bits to a standard normal draw. */
    static float standardNormal(int bits) {
        int cell = bits >>> FRACTION_BITS;
        // the other 20 bits are the position inside the cell
        float frac = (bits & ((1 << FRACTION_BITS) - 1)) * FRACTION_SCALE;
        float lo = QUANTILES[cell];
        return lo + frac * (QUANTILES[cell + 1] - lo);
    }

    /** SplitMix64's finaliser: a bijective 64-bit mixer with full avalanche. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long fnv1a64(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0, len = s.length(); i < len; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001B3L;
        }
        return h;
    }

    private static float[] buildQuantiles() {
        float[] q = new float[TABLE_SIZE + 1];
        q[0] = (float) inverseNormalCdf(1.0 / (4 * TABLE_SIZE));
        q[TABLE_SIZE] = (float) inverseNormalCdf(1.0 - 1.0 / (4 * TABLE_SIZE));
        for (int k = 1; k < TABLE_SIZE; k++) {
            q[k] = (float) inverseNormalCdf((double) k / TABLE_SIZE);
        }
        return q;
    }

    /** Acklam's rational approximation of Phi^-1 (relative error below 1.2e-9), used only to build the table. */
    static double inverseNormalCdf(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1): " + p);
        }
        final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01};
        final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
            3.754408661907416e+00};
        final double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            double q = Math.sqrt(-2 * Math.log(1 - p));
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
