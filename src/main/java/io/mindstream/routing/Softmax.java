package io.mindstream.routing;

/** The routing softmax over either axis of the k x n logit matrix; only the n real behaviours take part. */
final class Softmax {

    private Softmax() {
    }

    static void apply(RoutingSoftmax axis, float[] logits, float[] weights, int k, int n) {
        if (axis == RoutingSoftmax.BEHAVIOURS) {
            for (int j = 0; j < k; j++) {
                int base = j * n;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, logits[base + i]);
                }
                float sum = 0f;
                for (int i = 0; i < n; i++) {
                    float e = (float) Math.exp(logits[base + i] - max);
                    weights[base + i] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int i = 0; i < n; i++) {
                    weights[base + i] *= inv;
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, logits[j * n + i]);
                }
                float sum = 0f;
                for (int j = 0; j < k; j++) {
                    float e = (float) Math.exp(logits[j * n + i] - max);
                    weights[j * n + i] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int j = 0; j < k; j++) {
                    weights[j * n + i] *= inv;
                }
            }
        }
    }
}
