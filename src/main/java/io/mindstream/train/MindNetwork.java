package io.mindstream.train;

import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import io.mindstream.routing.Squash;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * MIND's forward and backward pass for one batch, with a hand-written backward.
 *
 * <p>Why by hand: SameDiff 1.0.0-M2.1 cannot backpropagate through gather (STACK.md), and the model's
 * gradient is simple once the stop-gradient is taken seriously. Because u_hat is a constant in every routing
 * iteration but the last, and the logits are only updated in those iterations, the final routing weights
 * w are a constant too: the only differentiable path is
 * <pre>
 *   u_hat_i = e_i S,  z_j = sum_i w_ji u_hat_i,  v_j = squash(z_j),  u = attention(v, e_t),
 *   loss = -log softmax(u E^T)[t]        (or sampled softmax with log-Q correction)
 * </pre>
 * The heavy dense algebra (u_hat = X S, the output layer U E^T and its two gradient products, dS = X^T dU_hat,
 * dX = dU_hat S^T) runs as ND4J gemm calls on whole-batch blocks; the small per-sample routing and its
 * backward (k x n x d with n <= L) run as plain Java loops that mirror the serving kernel's order of
 * operations. A gradient check against finite differences ({@code MindNetworkTest}) proves the backward.
 *
 * <p>Not thread-safe; one instance per training run.
 */
final class MindNetwork {

    final int vocab;
    final int dim;
    final int maxInterests;
    final int iterations;
    final int maxLen;
    final boolean dynamicInterests;
    final RoutingSoftmax axis;
    final Pooling pooling;
    /** Label-aware attention power p; infinity means hard argmax. */
    final float attentionPower;
    final int batchSize;
    final int negatives;

    /** Item embeddings E [V x d] and the bilinear map S [d x d], row-major: the trained parameters. */
    final float[] embeddings;
    final float[] bilinear;

    // ND4J blocks, allocated once
    private final INDArray x;       // [B*L, d] gathered behaviour embeddings
    private final INDArray s;       // [d, d]
    private final INDArray uHat;    // [B*L, d]
    private final INDArray u;       // [B, d] user vectors after attention
    private final INDArray table;   // [V, d] for the full softmax, or [M+1, d] candidates for sampled
    private final INDArray logits;  // [B, V] or [B, M+1]
    private final INDArray dU;      // [B, d]
    private final INDArray dTable;  // like table
    private final INDArray dUHat;   // [B*L, d]
    private final INDArray dS;      // [d, d]
    private final INDArray dX;      // [B*L, d]

    // Java-side scratch
    private final float[] xBuf;
    private final float[] uHatBuf;
    private final float[] uBuf;
    private final float[] dUBuf;
    private final float[] dUHatBuf;
    private final float[] dXBuf;
    private final float[] candBuf;
    private final int candidates;
    private final float[] logitBuf;
    private final float[] dCandBuf;
    /** Routing logits scratch, one K x L block per sample so that samples can run in parallel. */
    private final float[] routeLogits;
    /** Per-sample gradient of the target row from the attention / sampled softmax, applied after the batch. */
    private final float[] targetGrad;
    /** Samples are routed in this many parallel slices (the common fork-join pool). */
    private final int slices;
    /** Final routing weights per sample, [B][K * L]: constants of the backward. */
    final float[] routeWeights;
    private final float[] z;        // [B, K, d]
    private final float[] v;        // [B, K, d]
    private final float[] att;      // [B, K] attention weights (one-hot when hard)
    private final int[] kOf;        // K' per sample

    /** When set, the forward reuses {@link #routeWeights} instead of routing (finite-difference checks). */
    boolean reuseRoutingWeights;

    MindNetwork(RoutingConfig cfg, Pooling pooling, float attentionPower, int vocab, int batchSize, int negatives,
                float[] embeddings, float[] bilinear) {
        this(cfg, pooling, attentionPower, vocab, batchSize, negatives, embeddings, bilinear, 1);
    }

    MindNetwork(RoutingConfig cfg, Pooling pooling, float attentionPower, int vocab, int batchSize, int negatives,
                float[] embeddings, float[] bilinear, int threads) {
        this.slices = Math.max(1, Math.min(threads, batchSize));
        this.vocab = vocab;
        this.dim = cfg.embeddingDim();
        this.maxInterests = pooling == Pooling.MEAN ? 1 : cfg.maxInterests();
        this.iterations = cfg.iterations();
        this.maxLen = cfg.maxSequenceLength();
        this.dynamicInterests = cfg.dynamicInterests();
        this.axis = cfg.softmax();
        this.pooling = pooling;
        this.attentionPower = attentionPower;
        this.batchSize = batchSize;
        this.negatives = negatives;
        if (embeddings.length != vocab * dim || bilinear.length != dim * dim) {
            throw new IllegalArgumentException("parameter shapes do not match V=" + vocab + ", d=" + dim);
        }
        this.embeddings = embeddings;
        this.bilinear = bilinear;
        int bl = batchSize * maxLen;
        x = Nd4j.create(DataType.FLOAT, bl, dim);
        s = Nd4j.create(DataType.FLOAT, dim, dim);
        uHat = Nd4j.create(DataType.FLOAT, bl, dim);
        u = Nd4j.create(DataType.FLOAT, batchSize, dim);
        int cand = negatives > 0 ? negatives + 1 : vocab;
        table = Nd4j.create(DataType.FLOAT, cand, dim);
        logits = Nd4j.create(DataType.FLOAT, batchSize, cand);
        dU = Nd4j.create(DataType.FLOAT, batchSize, dim);
        dTable = Nd4j.create(DataType.FLOAT, cand, dim);
        dUHat = Nd4j.create(DataType.FLOAT, bl, dim);
        dS = Nd4j.create(DataType.FLOAT, dim, dim);
        dX = Nd4j.create(DataType.FLOAT, bl, dim);
        xBuf = new float[bl * dim];
        uHatBuf = new float[bl * dim];
        uBuf = new float[batchSize * dim];
        dUBuf = new float[batchSize * dim];
        dUHatBuf = new float[bl * dim];
        dXBuf = new float[bl * dim];
        candBuf = negatives > 0 ? new float[cand * dim] : null;
        candidates = cand;
        logitBuf = new float[batchSize * cand];
        dCandBuf = negatives > 0 ? new float[cand * dim] : null;
        routeLogits = new float[batchSize * maxInterests * maxLen];
        targetGrad = new float[batchSize * dim];
        routeWeights = new float[batchSize * maxInterests * maxLen];
        z = new float[batchSize * maxInterests * dim];
        v = new float[batchSize * maxInterests * dim];
        att = new float[batchSize * maxInterests];
        kOf = new int[batchSize];
    }

    /** K' for n behaviours, as the serving side computes it. */
    int interestCount(int n) {
        if (pooling == Pooling.MEAN) {
            return n == 0 ? 0 : 1;
        }
        if (n <= 0) {
            return 0;
        }
        if (!dynamicInterests) {
            return maxInterests;
        }
        int log2 = 31 - Integer.numberOfLeadingZeros(n);
        return Math.max(1, Math.min(maxInterests, log2));
    }

    /**
     * Runs the batch forward and, when {@code grads} is not null, backward. Returns the mean loss.
     * Every sample must have at least one behaviour.
     */
    double run(Batch bt, Gradients grads) {
        if (bt.size != batchSize) {
            throw new IllegalArgumentException("batch of " + bt.size + " for a network built for " + batchSize);
        }
        final int d = dim;
        final int L = maxLen;
        final int B = batchSize;
        // 1. gather X and map it: u_hat = X S
        Arrays.fill(xBuf, 0f);
        for (int b = 0; b < B; b++) {
            int n = bt.lengths[b];
            if (n < 1 || n > L) {
                throw new IllegalArgumentException("sample " + b + " has " + n + " behaviours");
            }
            for (int i = 0; i < n; i++) {
                System.arraycopy(embeddings, bt.rows[b * L + i] * d, xBuf, (b * L + i) * d, d);
            }
        }
        put(x, xBuf);
        put(s, bilinear);
        Nd4j.gemm(s, x, uHat.transpose(), true, true, 1.0, 0.0);
        uHat.data().asNioFloat().get(uHatBuf);

        // 2. per-sample routing (or mean pooling) and label-aware attention
        forEachSample(b -> forwardSample(bt, b));

        // 3. output layer
        put(u, uBuf);
        double loss;
        if (negatives == 0) {
            loss = fullSoftmax(bt, grads != null);
        } else {
            loss = sampledSoftmax(bt, grads != null);
        }
        if (grads == null) {
            return loss;
        }
        // the full softmax's table gradient overwrites the (cleared) dense block, so it goes first
        addOutputTableGradient(bt, grads);

        // 4. back through attention, squash and the weighted sum to dU_hat
        dU.data().asNioFloat().get(dUBuf);
        Arrays.fill(dUHatBuf, 0f);
        forEachSample(b -> backwardSample(bt, b));
        for (int b = 0; b < B; b++) {
            grads.addRow(bt.targets[b], targetGrad, b * d, 1f);
        }
        put(dUHat, dUHatBuf);
        // 5. dS = X^T dU_hat, dX = dU_hat S^T
        Nd4j.gemm(dUHat, x, dS.transpose(), true, false, 1.0, 0.0);
        Nd4j.gemm(s, dUHat, dX.transpose(), false, true, 1.0, 0.0);
        dS.data().asNioFloat().get(grads.bilinear);
        dX.data().asNioFloat().get(dXBuf);
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < bt.lengths[b]; i++) {
                grads.addRow(bt.rows[b * L + i], dXBuf, (b * L + i) * d, 1f);
            }
        }
        return loss;
    }

    /** Runs {@code body} for every sample, in {@link #slices} parallel slices of the batch. */
    private void forEachSample(java.util.function.IntConsumer body) {
        if (slices == 1) {
            for (int b = 0; b < batchSize; b++) {
                body.accept(b);
            }
            return;
        }
        java.util.stream.IntStream.range(0, slices).parallel().forEach(sl -> {
            int from = sl * batchSize / slices;
            int to = (sl + 1) * batchSize / slices;
            for (int b = from; b < to; b++) {
                body.accept(b);
            }
        });
    }

    private void forwardSample(Batch bt, int b) {
        final int d = dim;
        final int L = maxLen;
        int n = bt.lengths[b];
        int k = interestCount(n);
        kOf[b] = k;
        int uh0 = b * L * d;
        int zb = b * maxInterests * d;
        int wb = b * maxInterests * L;
        float[] w = routeWeights;
        if (pooling == Pooling.MEAN) {
            float inv = 1f / n;
            for (int c = 0; c < d; c++) {
                z[zb + c] = 0f;
            }
            for (int i = 0; i < n; i++) {
                w[wb + i] = inv;
                for (int c = 0; c < d; c++) {
                    z[zb + c] += uHatBuf[uh0 + i * d + c];
                }
            }
            for (int c = 0; c < d; c++) {
                z[zb + c] *= inv;
                v[zb + c] = z[zb + c];
            }
        } else {
            if (!reuseRoutingWeights) {
                int lb = b * maxInterests * L;
                System.arraycopy(bt.initLogits, lb, routeLogits, lb, k * n);
                for (int r = 0; r < iterations; r++) {
                    softmax(routeLogits, lb, w, wb, k, n);
                    capsules(b, k, n, wb);
                    if (r + 1 < iterations) {
                        for (int j = 0; j < k; j++) {
                            int o = zb + j * d;
                            for (int i = 0; i < n; i++) {
                                int uo = uh0 + i * d;
                                float dot = 0f;
                                for (int c = 0; c < d; c++) {
                                    dot += uHatBuf[uo + c] * v[o + c];
                                }
                                routeLogits[lb + j * n + i] += dot;
                            }
                        }
                    }
                }
            } else {
                capsules(b, k, n, wb);
            }
        }
        // label-aware attention against the target embedding
        int t = bt.targets[b] * d;
        int ab = b * maxInterests;
        int ub = b * d;
        if (k == 1 || Float.isInfinite(attentionPower)) {
            int best = 0;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                float sc = dot(v, zb + j * d, embeddings, t, d);
                if (sc > bestScore) {
                    bestScore = sc;
                    best = j;
                }
            }
            for (int j = 0; j < k; j++) {
                att[ab + j] = j == best ? 1f : 0f;
            }
            System.arraycopy(v, zb + best * d, uBuf, ub, d);
        } else {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                att[ab + j] = attentionPower * dot(v, zb + j * d, embeddings, t, d);
                max = Math.max(max, att[ab + j]);
            }
            float sum = 0f;
            for (int j = 0; j < k; j++) {
                att[ab + j] = (float) Math.exp(att[ab + j] - max);
                sum += att[ab + j];
            }
            Arrays.fill(uBuf, ub, ub + d, 0f);
            for (int j = 0; j < k; j++) {
                att[ab + j] /= sum;
                for (int c = 0; c < d; c++) {
                    uBuf[ub + c] += att[ab + j] * v[zb + j * d + c];
                }
            }
        }
    }

    /** z_j = sum_i w_ji u_hat_i and v_j = squash(z_j), in the serving kernel's order. */
    private void capsules(int b, int k, int n, int wb) {
        final int d = dim;
        int uh0 = b * maxLen * d;
        int zb = b * maxInterests * d;
        for (int j = 0; j < k; j++) {
            int o = zb + j * d;
            for (int c = 0; c < d; c++) {
                z[o + c] = 0f;
            }
            for (int i = 0; i < n; i++) {
                float wi = routeWeights[wb + j * n + i];
                int uo = uh0 + i * d;
                for (int c = 0; c < d; c++) {
                    z[o + c] += wi * uHatBuf[uo + c];
                }
            }
            float sq = 0f;
            for (int c = 0; c < d; c++) {
                sq += z[o + c] * z[o + c];
            }
            float sc = Squash.scale(sq);
            for (int c = 0; c < d; c++) {
                v[o + c] = z[o + c] * sc;
            }
        }
    }

    private void softmax(float[] lg, int lb, float[] w, int wb, int k, int n) {
        if (axis == RoutingSoftmax.BEHAVIOURS) {
            for (int j = 0; j < k; j++) {
                int base = j * n;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, lg[lb + base + i]);
                }
                float sum = 0f;
                for (int i = 0; i < n; i++) {
                    float e = (float) Math.exp(lg[lb + base + i] - max);
                    w[wb + base + i] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int i = 0; i < n; i++) {
                    w[wb + base + i] *= inv;
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, lg[lb + j * n + i]);
                }
                float sum = 0f;
                for (int j = 0; j < k; j++) {
                    float e = (float) Math.exp(lg[lb + j * n + i] - max);
                    w[wb + j * n + i] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int j = 0; j < k; j++) {
                    w[wb + j * n + i] *= inv;
                }
            }
        }
    }

    private double fullSoftmax(Batch bt, boolean backward) {
        put(table, embeddings);
        // logits = U E^T, as (E U^T)^T into the c-order block
        Nd4j.gemm(table, u, logits.transpose(), false, true, 1.0, 0.0);
        logits.data().asNioFloat().get(logitBuf);
        double loss = softmaxRows(logitBuf, candidates, bt.targets, null, backward);
        if (backward) {
            outputGradients();
        }
        return loss;
    }

    private double sampledSoftmax(Batch bt, boolean backward) {
        int B = batchSize;
        int d = dim;
        int M = negatives;
        Arrays.fill(candBuf, 0, d, 0f);
        for (int m = 0; m < M; m++) {
            System.arraycopy(embeddings, bt.negatives[m] * d, candBuf, (m + 1) * d, d);
        }
        put(table, candBuf);
        Nd4j.gemm(table, u, logits.transpose(), false, true, 1.0, 0.0);
        logits.data().asNioFloat().get(logitBuf);
        int cols = M + 1;
        for (int b = 0; b < B; b++) {
            int t = bt.targets[b];
            int o = b * cols;
            logitBuf[o] = dot(uBuf, b * d, embeddings, t * d, d) - bt.targetLogQ[b];
            for (int m = 0; m < M; m++) {
                // an accidental hit: the target is not its own negative
                logitBuf[o + m + 1] = bt.negatives[m] == t ? -1e30f : logitBuf[o + m + 1] - bt.negativeLogQ[m];
            }
        }
        double loss = softmaxRows(logitBuf, cols, null, null, backward);
        if (backward) {
            outputGradients();
        }
        return loss;
    }

    /**
     * Row-wise softmax cross-entropy over {@code buf} [B x cols]; the label of row b is column
     * {@code targets[b]} (column 0 when targets is null). When {@code backward}, the rows are replaced by the
     * gradient of the mean loss with respect to the logits: (softmax - onehot) / B.
     */
    private double softmaxRows(float[] buf, int cols, int[] targets, Object unused, boolean backward) {
        int B = batchSize;
        double loss = 0;
        float invB = 1f / B;
        for (int b = 0; b < B; b++) {
            int o = b * cols;
            int t = targets == null ? 0 : targets[b];
            float max = FastMath.max(buf, o, cols);
            float target = buf[o + t] - max;
            double sum = FastMath.expShiftSum(buf, o, cols, max);
            loss += Math.log(sum) - target;
            if (backward) {
                FastMath.scale(buf, o, cols, (float) (invB / sum));
                buf[o + t] -= invB;
            }
        }
        return loss / B;
    }

    /** dU = G T and dT = G^T U from the logit gradient G, into c-order blocks. */
    private void outputGradients() {
        logits.data().asNioFloat().put(logitBuf);
        Nd4j.gemm(table, logits, dU.transpose(), true, true, 1.0, 0.0);
        Nd4j.gemm(u, logits, dTable.transpose(), true, false, 1.0, 0.0);
    }

    private static void put(INDArray dst, float[] src) {
        dst.data().asNioFloat().put(src, 0, (int) dst.length());
    }

    private void backwardSample(Batch bt, int b) {
        final int d = dim;
        final int L = maxLen;
        int n = bt.lengths[b];
        int k = kOf[b];
        int t = bt.targets[b];
        int ub = b * d;
        int zb = b * maxInterests * d;
        int ab = b * maxInterests;
        int wb = b * maxInterests * L;
        Arrays.fill(targetGrad, ub, ub + d, 0f);
        // sampled softmax: the target column's gradient reaches u and e_t directly (row 0 of the candidates is 0)
        if (negatives > 0) {
            float g0 = logitBuf[b * (negatives + 1)];
            for (int c = 0; c < d; c++) {
                dUBuf[ub + c] += g0 * embeddings[t * d + c];
            }
            for (int c = 0; c < d; c++) {
                targetGrad[ub + c] += g0 * uBuf[ub + c];
            }
        }
        float[] dv = new float[k * d];
        if (k == 1 || Float.isInfinite(attentionPower)) {
            for (int j = 0; j < k; j++) {
                if (att[ab + j] == 1f) {
                    System.arraycopy(dUBuf, ub, dv, j * d, d);
                }
            }
        } else {
            float[] da = new float[k];
            float mean = 0f;
            for (int j = 0; j < k; j++) {
                da[j] = dot(dUBuf, ub, v, zb + j * d, d);
                mean += att[ab + j] * da[j];
            }
            for (int j = 0; j < k; j++) {
                float ds = attentionPower * att[ab + j] * (da[j] - mean);
                for (int c = 0; c < d; c++) {
                    dv[j * d + c] = att[ab + j] * dUBuf[ub + c] + ds * embeddings[t * d + c];
                    targetGrad[ub + c] += ds * v[zb + j * d + c];
                }
            }
        }
        // squash (routing) or identity (mean), then the weighted sum
        for (int j = 0; j < k; j++) {
            int o = zb + j * d;
            float[] dz = new float[d];
            if (pooling == Pooling.MEAN) {
                System.arraycopy(dv, j * d, dz, 0, d);
            } else {
                float q = 0f;
                float zdv = 0f;
                for (int c = 0; c < d; c++) {
                    q += z[o + c] * z[o + c];
                    zdv += z[o + c] * dv[j * d + c];
                }
                float f = Squash.scale(q);
                double root = Math.sqrt(q + Squash.EPSILON);
                float fPrime = (float) ((1.0 / (1.0 + q) - q / (2.0 * (q + Squash.EPSILON))) / ((1.0 + q) * root));
                float coef = 2f * fPrime * zdv;
                for (int c = 0; c < d; c++) {
                    dz[c] = f * dv[j * d + c] + coef * z[o + c];
                }
            }
            for (int i = 0; i < n; i++) {
                float wi = routeWeights[wb + j * n + i];
                int dst = (b * L + i) * d;
                for (int c = 0; c < d; c++) {
                    dUHatBuf[dst + c] += wi * dz[c];
                }
            }
        }
    }

    private void addOutputTableGradient(Batch bt, Gradients g) {
        if (negatives == 0) {
            dTable.data().asNioFloat().get(g.embeddings);
            g.markAll();
        } else {
            dTable.data().asNioFloat().get(dCandBuf);
            for (int m = 0; m < negatives; m++) {
                g.addRow(bt.negatives[m], dCandBuf, (m + 1) * dim, 1f);
            }
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int d) {
        float s = 0f;
        for (int c = 0; c < d; c++) {
            s += a[ao + c] * b[bo + c];
        }
        return s;
    }

    /** The user vector of sample b after the last {@link #run} (for tests). */
    float[] userVector(int b) {
        return Arrays.copyOfRange(uBuf, b * dim, (b + 1) * dim);
    }

    /** Interest j of sample b after the last {@link #run} (for tests). */
    float[] interest(int b, int j) {
        int o = (b * maxInterests + j) * dim;
        return Arrays.copyOfRange(v, o, o + dim);
    }

    int interestsOf(int b) {
        return kOf[b];
    }
}
