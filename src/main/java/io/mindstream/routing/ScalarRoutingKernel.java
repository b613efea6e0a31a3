package io.mindstream.routing;

/** Plain Java loops: the reference implementation and the fallback where the Vector API is absent. */
public final class ScalarRoutingKernel implements RoutingKernel {

    public static final ScalarRoutingKernel INSTANCE = new ScalarRoutingKernel();

    private ScalarRoutingKernel() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void route(float[] table, int[] rows, int n, int k, int dim, int iterations, RoutingSoftmax softmax,
                      float[] logits, float[] weights, float[] out) {
        if (weights.length < k * n) {
            throw new IllegalArgumentException("scratch has " + weights.length + " floats, " + k * n + " needed");
        }
        for (int r = 0; r < iterations; r++) {
            Softmax.apply(softmax, logits, weights, k, n);
            for (int j = 0; j < k; j++) {
                int o = j * dim;
                for (int c = 0; c < dim; c++) {
                    out[o + c] = 0f;
                }
                for (int i = 0; i < n; i++) {
                    float w = weights[j * n + i];
                    int u = rows[i] * dim;
                    for (int c = 0; c < dim; c++) {
                        out[o + c] += w * table[u + c];
                    }
                }
                float sq = 0f;
                for (int c = 0; c < dim; c++) {
                    sq += out[o + c] * out[o + c];
                }
                float s = Squash.scale(sq);
                for (int c = 0; c < dim; c++) {
                    out[o + c] *= s;
                }
            }
            if (r + 1 < iterations) {
                for (int j = 0; j < k; j++) {
                    int o = j * dim;
                    for (int i = 0; i < n; i++) {
                        int u = rows[i] * dim;
                        float dot = 0f;
                        for (int c = 0; c < dim; c++) {
                            dot += table[u + c] * out[o + c];
                        }
                        logits[j * n + i] += dot;
                    }
                }
            }
        }
    }
}
