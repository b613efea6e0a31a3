package io.mindstream.routing;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link InitialLogits#fill} with the hashing in SIMD lanes: the two or more SplitMix64 finalisers of each
 * behaviour (its item seed, then one per pair of interests) run for a vector of behaviours at once, which the
 * scalar loop pays for one multiply chain at a time. The bits then map to normal draws through the same table
 * as the scalar code, so the logits are equal bit for bit. Only referenced from {@link VectorRoutingKernel}, so
 * the class is never loaded where the incubator module is absent.
 */
final class VectorInitialLogits {

    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private VectorInitialLogits() {
    }

    /** Longs of scratch {@link #fill} needs for n behaviours and k interests. */
    static int scratchSize(int n, int k) {
        return (1 + (k + 1) / 2) * padded(n);
    }

    private static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /** As {@link InitialLogits#fill}; {@code scratch} holds at least {@link #scratchSize} longs. */
    static void fill(long userSeed, int[] rows, int n, int k, float stddev, float[] dst, long[] scratch) {
        final int p = padded(n);
        final int pairs = (k + 1) / 2;
        if (scratch.length < (1 + pairs) * p) {
            throw new IllegalArgumentException("scratch has " + scratch.length + " longs, " + (1 + pairs) * p
                    + " needed");
        }
        // the rows as longs (row + 1), padded with zeros whose draws nobody reads
        for (int i = 0; i < n; i++) {
            scratch[i] = rows[i] + 1L;
        }
        for (int i = n; i < p; i++) {
            scratch[i] = 0;
        }
        for (int i = 0; i < p; i += LANES) {
            LongVector item = mix64(LongVector.fromArray(SPECIES, scratch, i)
                    .lanewise(VectorOperators.MUL, 0x9E3779B97F4A7C15L).add(userSeed));
            for (int m = 0; m < pairs; m++) {
                mix64(item.add((m + 1L) * 0xD1B54A32D192ED03L)).intoArray(scratch, (1 + m) * p + i);
            }
        }
        for (int m = 0; m < pairs; m++) {
            final int from = (1 + m) * p;
            final int even = 2 * m * n;
            final int odd = even + n;
            final boolean hasOdd = 2 * m + 1 < k;
            for (int i = 0; i < n; i++) {
                long pair = scratch[from + i];
                dst[even + i] = stddev * InitialLogits.standardNormal((int) (pair >>> 32));
                if (hasOdd) {
                    dst[odd + i] = stddev * InitialLogits.standardNormal((int) pair);
                }
            }
        }
    }

    /** {@link InitialLogits#mix64} lane-wise. */
    private static LongVector mix64(LongVector z) {
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30))
                .lanewise(VectorOperators.MUL, 0xBF58476D1CE4E5B9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27))
                .lanewise(VectorOperators.MUL, 0x94D049BB133111EBL);
        return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
    }
}
