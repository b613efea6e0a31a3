package io.mindstream.routing;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast path: the loop of {@link ScalarRoutingKernel}, arranged so that the inner loops are runs of fused
 * multiply-adds over SIMD lanes. Only referenced through {@link RoutingKernels}, so the class is never loaded
 * where the incubator module is absent. Each choice below was measured (docs/BENCHMARKS.md):
 * <ul>
 *   <li>z_j = sum_i w_ji u_i runs over d in lanes for four interests and up to four chunks of d at once: each
 *       chunk of u_i is loaded once for four interests, each weight broadcast once for four chunks, and the
 *       sixteen independent accumulators hide the FMA latency.</li>
 *   <li>The logit update b_ji += u_i . v_j needs one horizontal sum per (i, j). On JDK 17 a float
 *       {@code reduceLanes(ADD)} is an ordered chain of scalar adds, so the four dot products of a behaviour are
 *       folded together by a butterfly of blends, lane swaps and adds ({@link #sum4}) and handed back through
 *       memory. When d is a multiple of four vectors the sixteen chunks of v_j of a block stay in registers
 *       for the whole pass. Transposing the rows once per call to run the update over behaviours in lanes
 *       cost more than it saved (strided stores), and so did pairing behaviours (register pressure).</li>
 *   <li>Logits and weights live in a layout padded to whole vectors, so the softmax over interests is
 *       lane-wise; exp is a polynomial in registers ({@link VectorMath#exp}).</li>
 *   <li>The preferred species (512 bits on AVX-512) beat the 256-bit one by a quarter.</li>
 *   <li>The initial logits' hashing runs in lanes too ({@link VectorInitialLogits}).</li>
 * </ul>
 */
final class VectorRoutingKernel implements RoutingKernel {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    /** A quarter of the lanes; the preferred float species has at least 4 lanes on every Vector API platform. */
    private static final int GROUP = LANES / 4;
    private static final VectorMask<Float> UPPER_HALF = mask(LANES / 2);
    private static final VectorMask<Float> ODD_QUARTERS = mask(GROUP);
    private static final VectorShuffle<Float> SWAP_HALVES = SPECIES.shuffleFromOp(l -> l ^ (LANES / 2));
    private static final VectorShuffle<Float> SWAP_QUARTERS = SPECIES.shuffleFromOp(l -> l ^ GROUP);
    /** Swaps of lanes within a group by GROUP / 2, / 4, / 8, / 16 lanes; constants, not an array, for the JIT. */
    private static final VectorShuffle<Float> SWAP_BY_HALF_GROUP = swap(GROUP / 2);
    private static final VectorShuffle<Float> SWAP_BY_QUARTER_GROUP = swap(GROUP / 4);
    private static final VectorShuffle<Float> SWAP_BY_EIGHTH_GROUP = swap(GROUP / 8);
    private static final VectorShuffle<Float> SWAP_BY_SIXTEENTH_GROUP = swap(GROUP / 16);

    static final VectorRoutingKernel INSTANCE = new VectorRoutingKernel();

    private VectorRoutingKernel() {
    }

    @Override
    public String name() {
        return "vector";
    }

    /** The lanes whose index has the given bit set. */
    private static VectorMask<Float> mask(int bit) {
        boolean[] set = new boolean[LANES];
        for (int l = 0; l < LANES; l++) {
            set[l] = (l & bit) != 0;
        }
        return VectorMask.fromArray(SPECIES, set, 0);
    }


    private static VectorShuffle<Float> swap(int lanes) {
        int by = Math.max(1, lanes);
        return SPECIES.shuffleFromOp(l -> l ^ by);
    }

    private static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    @Override
    public int initialLogitsScratchSize(int n, int k) {
        return VectorInitialLogits.scratchSize(n, k);
    }

    @Override
    public void initialLogits(long userSeed, int[] rows, int n, int k, float stddev, float[] dst, long[] scratch) {
        VectorInitialLogits.fill(userSeed, rows, n, k, stddev, dst, scratch);
    }

    /** Padded logits (k x p), padded weights (k x p), p = n rounded up to whole vectors, and one vector. */
    @Override
    public int scratchSize(int n, int k, int dim) {
        return 2 * k * padded(n) + LANES;
    }

    @Override
    public void route(float[] table, int[] rows, int n, int k, int dim, int iterations, RoutingSoftmax softmax,
                      float[] logits, float[] scratch, float[] out) {
        final int p = padded(n);
        if (scratch.length < 2 * k * p + LANES) {
            throw new IllegalArgumentException("scratch has " + scratch.length + " floats, " + (2 * k * p + LANES)
                    + " needed");
        }
        final int bOff = 0;
        final int wOff = k * p;
        final int sumOff = 2 * k * p;
        for (int j = 0; j < k; j++) {
            System.arraycopy(logits, j * n, scratch, bOff + j * p, n);
            for (int i = n; i < p; i++) {
                scratch[bOff + j * p + i] = 0f;
            }
        }
        for (int r = 0; r < iterations; r++) {
            if (softmax == RoutingSoftmax.INTERESTS) {
                softmaxOverInterests(scratch, bOff, wOff, k, p);
            } else {
                softmaxOverBehaviours(scratch, bOff, wOff, k, n, p);
            }
            int j = 0;
            for (; j + 4 <= k; j += 4) {
                aggregate4(table, rows, n, dim, scratch, wOff + j * p, p, out, j * dim);
            }
            for (; j < k; j++) {
                aggregate1(table, rows, n, dim, scratch, wOff + j * p, out, j * dim);
            }
            if (r + 1 < iterations) {
                for (j = 0; j < k; j += 4) {
                    agreement4(table, rows, n, dim, out, j, Math.min(4, k - j), scratch, bOff, p, sumOff);
                }
            }
        }
    }

    /** w[., i] = softmax over j of b[., i], lane-wise over i; padding lanes hold finite junk nobody reads. */
    private static void softmaxOverInterests(float[] s, int bOff, int wOff, int k, int p) {
        for (int i = 0; i < p; i += LANES) {
            FloatVector max = FloatVector.fromArray(SPECIES, s, bOff + i);
            for (int j = 1; j < k; j++) {
                max = max.max(FloatVector.fromArray(SPECIES, s, bOff + j * p + i));
            }
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int j = 0; j < k; j++) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(SPECIES, s, bOff + j * p + i).sub(max));
                e.intoArray(s, wOff + j * p + i);
                sum = sum.add(e);
            }
            FloatVector inv = FloatVector.broadcast(SPECIES, 1f).div(sum);
            for (int j = 0; j < k; j++) {
                FloatVector.fromArray(SPECIES, s, wOff + j * p + i).mul(inv).intoArray(s, wOff + j * p + i);
            }
        }
    }

    /** w[j, .] = softmax over the n real behaviours of b[j, .]; the padding lanes are masked out. */
    private static void softmaxOverBehaviours(float[] s, int bOff, int wOff, int k, int n, int p) {
        final int full = n / LANES * LANES;
        final VectorMask<Float> tail = SPECIES.indexInRange(full, n);
        for (int j = 0; j < k; j++) {
            final int b = bOff + j * p;
            final int w = wOff + j * p;
            FloatVector maxV = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < full; i += LANES) {
                maxV = maxV.max(FloatVector.fromArray(SPECIES, s, b + i));
            }
            if (full < n) {
                maxV = maxV.max(FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY)
                        .blend(FloatVector.fromArray(SPECIES, s, b + full), tail));
            }
            float max = maxV.reduceLanes(VectorOperators.MAX);
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int i = 0; i < full; i += LANES) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(SPECIES, s, b + i).sub(max));
                e.intoArray(s, w + i);
                sum = sum.add(e);
            }
            if (full < n) {
                FloatVector e = FloatVector.zero(SPECIES)
                        .blend(VectorMath.exp(FloatVector.fromArray(SPECIES, s, b + full).sub(max)), tail);
                e.intoArray(s, w + full);
                sum = sum.add(e);
            }
            float inv = 1f / sum.reduceLanes(VectorOperators.ADD);
            for (int i = 0; i < p; i += LANES) {
                FloatVector.fromArray(SPECIES, s, w + i).mul(inv).intoArray(s, w + i);
            }
        }
    }

    /** v_j = squash(sum_i w_ji u_i) for four interests j = j0..j0+3, loading each chunk of u_i once. */
    private static void aggregate4(float[] table, int[] rows, int n, int dim, float[] s, int w0, int p,
                                   float[] out, int o0) {
        final int w1 = w0 + p;
        final int w2 = w1 + p;
        final int w3 = w2 + p;
        final int o1 = o0 + dim;
        final int o2 = o1 + dim;
        final int o3 = o2 + dim;
        final int bound = SPECIES.loopBound(dim);
        FloatVector sq0 = FloatVector.zero(SPECIES);
        FloatVector sq1 = FloatVector.zero(SPECIES);
        FloatVector sq2 = FloatVector.zero(SPECIES);
        FloatVector sq3 = FloatVector.zero(SPECIES);
        int c = 0;
        // four chunks of d per pass over the rows: sixteen accumulators, each row chunk loaded once and every
        // weight broadcast once for four chunks; fewer loads and index computations per FMA
        for (; c + 3 * LANES < bound; c += 4 * LANES) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            FloatVector e0 = FloatVector.zero(SPECIES);
            FloatVector e1 = FloatVector.zero(SPECIES);
            FloatVector e2 = FloatVector.zero(SPECIES);
            FloatVector e3 = FloatVector.zero(SPECIES);
            FloatVector f0 = FloatVector.zero(SPECIES);
            FloatVector f1 = FloatVector.zero(SPECIES);
            FloatVector f2 = FloatVector.zero(SPECIES);
            FloatVector f3 = FloatVector.zero(SPECIES);
            FloatVector g0 = FloatVector.zero(SPECIES);
            FloatVector g1 = FloatVector.zero(SPECIES);
            FloatVector g2 = FloatVector.zero(SPECIES);
            FloatVector g3 = FloatVector.zero(SPECIES);
            for (int i = 0; i < n; i++) {
                int row = rows[i] * dim + c;
                FloatVector u = FloatVector.fromArray(SPECIES, table, row);
                FloatVector x = FloatVector.fromArray(SPECIES, table, row + LANES);
                FloatVector y = FloatVector.fromArray(SPECIES, table, row + 2 * LANES);
                FloatVector z = FloatVector.fromArray(SPECIES, table, row + 3 * LANES);
                FloatVector w = FloatVector.broadcast(SPECIES, s[w0 + i]);
                a0 = u.fma(w, a0);
                e0 = x.fma(w, e0);
                f0 = y.fma(w, f0);
                g0 = z.fma(w, g0);
                w = FloatVector.broadcast(SPECIES, s[w1 + i]);
                a1 = u.fma(w, a1);
                e1 = x.fma(w, e1);
                f1 = y.fma(w, f1);
                g1 = z.fma(w, g1);
                w = FloatVector.broadcast(SPECIES, s[w2 + i]);
                a2 = u.fma(w, a2);
                e2 = x.fma(w, e2);
                f2 = y.fma(w, f2);
                g2 = z.fma(w, g2);
                w = FloatVector.broadcast(SPECIES, s[w3 + i]);
                a3 = u.fma(w, a3);
                e3 = x.fma(w, e3);
                f3 = y.fma(w, f3);
                g3 = z.fma(w, g3);
            }
            a0.intoArray(out, o0 + c);
            a1.intoArray(out, o1 + c);
            a2.intoArray(out, o2 + c);
            a3.intoArray(out, o3 + c);
            e0.intoArray(out, o0 + c + LANES);
            e1.intoArray(out, o1 + c + LANES);
            e2.intoArray(out, o2 + c + LANES);
            e3.intoArray(out, o3 + c + LANES);
            f0.intoArray(out, o0 + c + 2 * LANES);
            f1.intoArray(out, o1 + c + 2 * LANES);
            f2.intoArray(out, o2 + c + 2 * LANES);
            f3.intoArray(out, o3 + c + 2 * LANES);
            g0.intoArray(out, o0 + c + 3 * LANES);
            g1.intoArray(out, o1 + c + 3 * LANES);
            g2.intoArray(out, o2 + c + 3 * LANES);
            g3.intoArray(out, o3 + c + 3 * LANES);
            sq0 = g0.fma(g0, f0.fma(f0, e0.fma(e0, a0.fma(a0, sq0))));
            sq1 = g1.fma(g1, f1.fma(f1, e1.fma(e1, a1.fma(a1, sq1))));
            sq2 = g2.fma(g2, f2.fma(f2, e2.fma(e2, a2.fma(a2, sq2))));
            sq3 = g3.fma(g3, f3.fma(f3, e3.fma(e3, a3.fma(a3, sq3))));
        }
        // two chunks: eight independent FMA chains still hide the FMA latency that four would expose
        for (; c + LANES < bound; c += 2 * LANES) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            FloatVector e0 = FloatVector.zero(SPECIES);
            FloatVector e1 = FloatVector.zero(SPECIES);
            FloatVector e2 = FloatVector.zero(SPECIES);
            FloatVector e3 = FloatVector.zero(SPECIES);
            for (int i = 0; i < n; i++) {
                int row = rows[i] * dim + c;
                FloatVector u = FloatVector.fromArray(SPECIES, table, row);
                FloatVector x = FloatVector.fromArray(SPECIES, table, row + LANES);
                FloatVector w = FloatVector.broadcast(SPECIES, s[w0 + i]);
                a0 = u.fma(w, a0);
                e0 = x.fma(w, e0);
                w = FloatVector.broadcast(SPECIES, s[w1 + i]);
                a1 = u.fma(w, a1);
                e1 = x.fma(w, e1);
                w = FloatVector.broadcast(SPECIES, s[w2 + i]);
                a2 = u.fma(w, a2);
                e2 = x.fma(w, e2);
                w = FloatVector.broadcast(SPECIES, s[w3 + i]);
                a3 = u.fma(w, a3);
                e3 = x.fma(w, e3);
            }
            a0.intoArray(out, o0 + c);
            a1.intoArray(out, o1 + c);
            a2.intoArray(out, o2 + c);
            a3.intoArray(out, o3 + c);
            e0.intoArray(out, o0 + c + LANES);
            e1.intoArray(out, o1 + c + LANES);
            e2.intoArray(out, o2 + c + LANES);
            e3.intoArray(out, o3 + c + LANES);
            sq0 = e0.fma(e0, a0.fma(a0, sq0));
            sq1 = e1.fma(e1, a1.fma(a1, sq1));
            sq2 = e2.fma(e2, a2.fma(a2, sq2));
            sq3 = e3.fma(e3, a3.fma(a3, sq3));
        }
        for (; c < bound; c += LANES) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            for (int i = 0; i < n; i++) {
                FloatVector u = FloatVector.fromArray(SPECIES, table, rows[i] * dim + c);
                a0 = u.fma(FloatVector.broadcast(SPECIES, s[w0 + i]), a0);
                a1 = u.fma(FloatVector.broadcast(SPECIES, s[w1 + i]), a1);
                a2 = u.fma(FloatVector.broadcast(SPECIES, s[w2 + i]), a2);
                a3 = u.fma(FloatVector.broadcast(SPECIES, s[w3 + i]), a3);
            }
            a0.intoArray(out, o0 + c);
            a1.intoArray(out, o1 + c);
            a2.intoArray(out, o2 + c);
            a3.intoArray(out, o3 + c);
            sq0 = a0.fma(a0, sq0);
            sq1 = a1.fma(a1, sq1);
            sq2 = a2.fma(a2, sq2);
            sq3 = a3.fma(a3, sq3);
        }
        float t0 = 0f;
        float t1 = 0f;
        float t2 = 0f;
        float t3 = 0f;
        for (; c < dim; c++) {
            float z0 = 0f;
            float z1 = 0f;
            float z2 = 0f;
            float z3 = 0f;
            for (int i = 0; i < n; i++) {
                float u = table[rows[i] * dim + c];
                z0 += s[w0 + i] * u;
                z1 += s[w1 + i] * u;
                z2 += s[w2 + i] * u;
                z3 += s[w3 + i] * u;
            }
            out[o0 + c] = z0;
            out[o1 + c] = z1;
            out[o2 + c] = z2;
            out[o3 + c] = z3;
            t0 += z0 * z0;
            t1 += z1 * z1;
            t2 += z2 * z2;
            t3 += z3 * z3;
        }
        scale(out, o0, dim, Squash.scale(sq0.reduceLanes(VectorOperators.ADD) + t0));
        scale(out, o1, dim, Squash.scale(sq1.reduceLanes(VectorOperators.ADD) + t1));
        scale(out, o2, dim, Squash.scale(sq2.reduceLanes(VectorOperators.ADD) + t2));
        scale(out, o3, dim, Squash.scale(sq3.reduceLanes(VectorOperators.ADD) + t3));
    }

    /** v_j = squash(sum_i w_ji u_i) for one interest (the k mod 4 left over). */
    private static void aggregate1(float[] table, int[] rows, int n, int dim, float[] s, int w, float[] out,
                                   int o) {
        final int bound = SPECIES.loopBound(dim);
        FloatVector sq = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c < bound; c += LANES) {
            FloatVector a = FloatVector.zero(SPECIES);
            for (int i = 0; i < n; i++) {
                a = FloatVector.fromArray(SPECIES, table, rows[i] * dim + c)
                        .fma(FloatVector.broadcast(SPECIES, s[w + i]), a);
            }
            a.intoArray(out, o + c);
            sq = a.fma(a, sq);
        }
        float t = 0f;
        for (; c < dim; c++) {
            float z = 0f;
            for (int i = 0; i < n; i++) {
                z += s[w + i] * table[rows[i] * dim + c];
            }
            out[o + c] = z;
            t += z * z;
        }
        scale(out, o, dim, Squash.scale(sq.reduceLanes(VectorOperators.ADD) + t));
    }

    private static void scale(float[] out, int o, int dim, float factor) {
        final int bound = SPECIES.loopBound(dim);
        int c = 0;
        for (; c < bound; c += LANES) {
            FloatVector.fromArray(SPECIES, out, o + c).mul(factor).intoArray(out, o + c);
        }
        for (; c < dim; c++) {
            out[o + c] *= factor;
        }
    }

    /**
     * b[j][i] += u_i . v_j for i in [0, n) and the {@code count} (1 to 4) interests from j0: four dot products
     * per pass over u_i, folded into one vector by {@link #sum4} instead of four ordered lane sums. With fewer
     * than four interests the last one is computed again and its copies dropped.
     */
    private static void agreement4(float[] table, int[] rows, int n, int dim, float[] out, int j0, int count,
                                   float[] s, int bOff, int p, int sumOff) {
        final int o0 = j0 * dim;
        final int o1 = (j0 + Math.min(1, count - 1)) * dim;
        final int o2 = (j0 + Math.min(2, count - 1)) * dim;
        final int o3 = (j0 + Math.min(3, count - 1)) * dim;
        final int b0 = bOff + j0 * p;
        final int bound = SPECIES.loopBound(dim);
        if (dim % (4 * LANES) == 0) {
            for (int c = 0; c < dim; c += 4 * LANES) {
                agreementBlock(table, rows, n, dim, c, out, o0, o1, o2, o3, count, s, b0, p, sumOff);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            final int u = rows[i] * dim;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < bound; c += LANES) {
                FloatVector x = FloatVector.fromArray(SPECIES, table, u + c);
                a0 = x.fma(FloatVector.fromArray(SPECIES, out, o0 + c), a0);
                a1 = x.fma(FloatVector.fromArray(SPECIES, out, o1 + c), a1);
                a2 = x.fma(FloatVector.fromArray(SPECIES, out, o2 + c), a2);
                a3 = x.fma(FloatVector.fromArray(SPECIES, out, o3 + c), a3);
            }
            float t0 = 0f;
            float t1 = 0f;
            float t2 = 0f;
            float t3 = 0f;
            for (; c < dim; c++) {
                float x = table[u + c];
                t0 += x * out[o0 + c];
                t1 += x * out[o1 + c];
                t2 += x * out[o2 + c];
                t3 += x * out[o3 + c];
            }
            // through memory: four scalar loads forwarded from one store beat four lane extractions
            sum4(a0, a1, a2, a3).intoArray(s, sumOff);
            s[b0 + i] += s[sumOff] + t0;
            if (count > 1) {
                s[b0 + p + i] += s[sumOff + 2 * GROUP] + t1;
            }
            if (count > 2) {
                s[b0 + 2 * p + i] += s[sumOff + GROUP] + t2;
            }
            if (count > 3) {
                s[b0 + 3 * p + i] += s[sumOff + 3 * GROUP] + t3;
            }
        }
    }

    /**
     * The part of {@link #agreement4} from the four chunks of d at {@code c}, when d is a multiple of four
     * vectors (64 or 128 with 512-bit lanes): the sixteen chunks of v_j stay in registers for the whole pass, so
     * a behaviour costs four loads instead of twenty; one butterfly per block.
     */
    private static void agreementBlock(float[] table, int[] rows, int n, int dim, int c, float[] out, int o0,
                                       int o1, int o2, int o3, int count, float[] s, int b0, int p, int sumOff) {
        o0 += c;
        o1 += c;
        o2 += c;
        o3 += c;
        final FloatVector v00 = FloatVector.fromArray(SPECIES, out, o0);
        final FloatVector v01 = FloatVector.fromArray(SPECIES, out, o0 + LANES);
        final FloatVector v02 = FloatVector.fromArray(SPECIES, out, o0 + 2 * LANES);
        final FloatVector v03 = FloatVector.fromArray(SPECIES, out, o0 + 3 * LANES);
        final FloatVector v10 = FloatVector.fromArray(SPECIES, out, o1);
        final FloatVector v11 = FloatVector.fromArray(SPECIES, out, o1 + LANES);
        final FloatVector v12 = FloatVector.fromArray(SPECIES, out, o1 + 2 * LANES);
        final FloatVector v13 = FloatVector.fromArray(SPECIES, out, o1 + 3 * LANES);
        final FloatVector v20 = FloatVector.fromArray(SPECIES, out, o2);
        final FloatVector v21 = FloatVector.fromArray(SPECIES, out, o2 + LANES);
        final FloatVector v22 = FloatVector.fromArray(SPECIES, out, o2 + 2 * LANES);
        final FloatVector v23 = FloatVector.fromArray(SPECIES, out, o2 + 3 * LANES);
        final FloatVector v30 = FloatVector.fromArray(SPECIES, out, o3);
        final FloatVector v31 = FloatVector.fromArray(SPECIES, out, o3 + LANES);
        final FloatVector v32 = FloatVector.fromArray(SPECIES, out, o3 + 2 * LANES);
        final FloatVector v33 = FloatVector.fromArray(SPECIES, out, o3 + 3 * LANES);
        for (int i = 0; i < n; i++) {
            final int u = rows[i] * dim + c;
            FloatVector x0 = FloatVector.fromArray(SPECIES, table, u);
            FloatVector x1 = FloatVector.fromArray(SPECIES, table, u + LANES);
            FloatVector x2 = FloatVector.fromArray(SPECIES, table, u + 2 * LANES);
            FloatVector x3 = FloatVector.fromArray(SPECIES, table, u + 3 * LANES);
            FloatVector a0 = x3.fma(v03, x2.fma(v02, x1.fma(v01, x0.mul(v00))));
            FloatVector a1 = x3.fma(v13, x2.fma(v12, x1.fma(v11, x0.mul(v10))));
            FloatVector a2 = x3.fma(v23, x2.fma(v22, x1.fma(v21, x0.mul(v20))));
            FloatVector a3 = x3.fma(v33, x2.fma(v32, x1.fma(v31, x0.mul(v30))));
            sum4(a0, a1, a2, a3).intoArray(s, sumOff);
            s[b0 + i] += s[sumOff];
            if (count > 1) {
                s[b0 + p + i] += s[sumOff + 2 * GROUP];
            }
            if (count > 2) {
                s[b0 + 2 * p + i] += s[sumOff + GROUP];
            }
            if (count > 3) {
                s[b0 + 3 * p + i] += s[sumOff + 3 * GROUP];
            }
        }
    }

    /**
     * The lane sums of four vectors at once: a transposing butterfly of blends, permutes and adds. Lane 0 holds
     * sum(a0), lane GROUP sum(a2), lane 2 GROUP sum(a1), lane 3 GROUP sum(a3), GROUP = LANES / 4.
     */
    private static FloatVector sum4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        // halves: lower half of t01 holds a0's pairwise sums, the upper half a1's
        FloatVector t01 = a0.blend(a1, UPPER_HALF).add(a1.blend(a0, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector t23 = a2.blend(a3, UPPER_HALF).add(a3.blend(a2, UPPER_HALF).rearrange(SWAP_HALVES));
        // quarters: groups of GROUP lanes hold partial sums of a0, a2, a1, a3
        FloatVector t = t01.blend(t23, ODD_QUARTERS).add(t23.blend(t01, ODD_QUARTERS).rearrange(SWAP_QUARTERS));
        // then within each group of GROUP lanes (the preferred species has at most 64 lanes, GROUP <= 16)
        if (GROUP >= 2) {
            t = t.add(t.rearrange(SWAP_BY_HALF_GROUP));
        }
        if (GROUP >= 4) {
            t = t.add(t.rearrange(SWAP_BY_QUARTER_GROUP));
        }
        if (GROUP >= 8) {
            t = t.add(t.rearrange(SWAP_BY_EIGHTH_GROUP));
        }
        if (GROUP >= 16) {
            t = t.add(t.rearrange(SWAP_BY_SIXTEENTH_GROUP));
        }
        return t;
    }
}
