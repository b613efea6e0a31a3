package io.mindstream.train;

/**
 * Adam (Kingma and Ba) over E and S. Rows of E without a gradient in a step are left alone ("lazy" Adam, as
 * TensorFlow's sparse update does): with sampled softmax most rows get nothing in a given step, and decaying
 * their moments would only cost time.
 */
final class Adam {

    private final float lr;
    private final float beta1 = 0.9f;
    private final float beta2 = 0.999f;
    private final float eps = 1e-8f;
    private final int dim;
    private final float[] mE;
    private final float[] vE;
    private final float[] mS;
    private final float[] vS;
    private long step;

    Adam(float lr, int vocab, int dim) {
        this.lr = lr;
        this.dim = dim;
        mE = new float[vocab * dim];
        vE = new float[vocab * dim];
        mS = new float[dim * dim];
        vS = new float[dim * dim];
    }

    void apply(Gradients g, float[] embeddings, float[] bilinear) {
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        float alpha = (float) (lr * Math.sqrt(c2) / c1);
        for (int i = 0, n = g.touchedCount(); i < n; i++) {
            int o = g.touchedRow(i) * dim;
            update(embeddings, g.embeddings, mE, vE, o, o + dim, alpha);
        }
        update(bilinear, g.bilinear, mS, vS, 0, bilinear.length, alpha);
    }

    private void update(float[] w, float[] grad, float[] m, float[] v, int from, int to, float alpha) {
        for (int p = from; p < to; p++) {
            float gr = grad[p];
            float mp = beta1 * m[p] + (1 - beta1) * gr;
            float vp = beta2 * v[p] + (1 - beta2) * gr * gr;
            m[p] = mp;
            v[p] = vp;
            w[p] -= alpha * mp / ((float) Math.sqrt(vp) + eps);
        }
    }
}
