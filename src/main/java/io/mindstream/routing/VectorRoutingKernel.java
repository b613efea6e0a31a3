package io.mindstream.routing;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast path: the same loop as {@link ScalarRoutingKernel} with the inner products over d in SIMD lanes.
 * Only referenced through {@link RoutingKernels}, so the class is never loaded where the incubator module is
 * absent.
 */
final class VectorRoutingKernel implements RoutingKernel {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    static final VectorRoutingKernel INSTANCE = new VectorRoutingKernel();

    private VectorRoutingKernel() {
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void route(float[] table, int[] rows, int n, int k, int dim, int iterations, RoutingSoftmax softmax,
                      float[] logits, float[] weights, float[] out) {
        final int lanes = SPECIES.length();
        final int bound = SPECIES.loopBound(dim);
        for (int r = 0; r < iterations; r++) {
            Softmax.apply(softmax, logits, weights, k, n);
            // z_j = sum_i w_ji u_i, then squash in place.
            for (int j = 0; j < k; j++) {
                final int o = j * dim;
                final int wBase = j * n;
                FloatVector sq = FloatVector.zero(SPECIES);
                int c = 0;
                for (; c < bound; c += lanes) {
                    FloatVector acc = FloatVector.zero(SPECIES);
                    for (int i = 0; i < n; i++) {
                        FloatVector u = FloatVector.fromArray(SPECIES, table, rows[i] * dim + c);
                        acc = u.fma(FloatVector.broadcast(SPECIES, weights[wBase + i]), acc);
                    }
                    acc.intoArray(out, o + c);
                    sq = acc.fma(acc, sq);
                }
                float sqTail = 0f;
                for (; c < dim; c++) {
                    float z = 0f;
                    for (int i = 0; i < n; i++) {
                        z += weights[wBase + i] * table[rows[i] * dim + c];
                    }
                    out[o + c] = z;
                    sqTail += z * z;
                }
                float scale = Squash.scale(sq.reduceLanes(VectorOperators.ADD) + sqTail);
                c = 0;
                for (; c < bound; c += lanes) {
                    FloatVector.fromArray(SPECIES, out, o + c).mul(scale).intoArray(out, o + c);
                }
                for (; c < dim; c++) {
                    out[o + c] *= scale;
                }
            }
            if (r + 1 < iterations) {
                // b_ji += u_i . v_j
                for (int i = 0; i < n; i++) {
                    final int u = rows[i] * dim;
                    for (int j = 0; j < k; j++) {
                        final int o = j * dim;
                        FloatVector acc = FloatVector.zero(SPECIES);
                        int c = 0;
                        for (; c < bound; c += lanes) {
                            acc = FloatVector.fromArray(SPECIES, table, u + c)
                                    .fma(FloatVector.fromArray(SPECIES, out, o + c), acc);
                        }
                        float dot = acc.reduceLanes(VectorOperators.ADD);
                        for (; c < dim; c++) {
                            dot += table[u + c] * out[o + c];
                        }
                        logits[j * n + i] += dot;
                    }
                }
            }
        }
    }
}
