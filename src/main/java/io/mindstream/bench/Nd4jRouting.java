package io.mindstream.bench;

import io.mindstream.model.MindModel;
import io.mindstream.routing.InitialLogits;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import io.mindstream.routing.Squash;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * B2I routing written the way a tensor library invites: a handful of INDArray ops per iteration on the
 * gathered behaviour matrix. Kept only as the benchmark baseline; every op crosses into native code with a
 * fixed cost that dwarfs the arithmetic at one user's size, which is why the stream uses the float[] kernels.
 * Same math as {@link io.mindstream.routing.ScalarRoutingKernel}, including the deterministic initial logits.
 */
public final class Nd4jRouting {

    private final MindModel model;
    private final INDArray table;
    private final int[] rows;
    private final float[] logits;

    public Nd4jRouting(MindModel model) {
        this.model = model;
        this.table = Nd4j.create(model.mappedTable(), new long[] {model.itemCount(), model.dim()}, DataType.FLOAT);
        RoutingConfig cfg = model.routing();
        this.rows = new int[cfg.maxSequenceLength()];
        this.logits = new float[cfg.maxInterests() * cfg.maxSequenceLength()];
    }

    /** The K' x d interests of a user from {@code items[0..count)}, oldest first, like InterestEncoder.encode. */
    public float[] encode(String userId, String[] items, int count) {
        RoutingConfig cfg = model.routing();
        int n = 0;
        for (int p = count - 1; p >= 0 && n < cfg.maxSequenceLength(); p--) {
            int row = model.rowOf(items[p]);
            if (row >= 0) {
                rows[n++] = row;
            }
        }
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        int k = cfg.interestCount(n);
        if (n == 0) {
            return new float[0];
        }
        InitialLogits.fill(InitialLogits.userSeed(userId, model.seed()), rows, n, k, cfg.initStddev(), logits);
        return route(table, rows, n, k, cfg.iterations(), cfg.softmax(), logits).data().asFloat();
    }

    /**
     * Routes behaviours {@code rows[0..n)} of {@code table} into k interests from the k x n initial logits
     * {@code logits[j * n + i]}; returns the k x d interests.
     */
    public static INDArray route(INDArray table, int[] rows, int n, int k, int iterations, RoutingSoftmax softmax,
                                 float[] logits) {
        INDArray u = Nd4j.pullRows(table, 1, java.util.Arrays.copyOf(rows, n));
        INDArray b = Nd4j.create(java.util.Arrays.copyOf(logits, k * n), new long[] {k, n}, DataType.FLOAT);
        INDArray v = null;
        for (int r = 0; r < iterations; r++) {
            INDArray w = softmax(b, softmax == RoutingSoftmax.INTERESTS ? 0 : 1);
            INDArray z = w.mmul(u);
            INDArray sq = z.mul(z).sum(true, 1);
            INDArray scale = sq.div(sq.add(1f)).div(Transforms.sqrt(sq.add(Squash.EPSILON), false));
            v = z.muliColumnVector(scale);
            if (r + 1 < iterations) {
                b.addi(v.mmul(u.transpose()));
            }
        }
        return v;
    }

    /** Numerically stable softmax of a k x n matrix along {@code axis}. */
    private static INDArray softmax(INDArray b, int axis) {
        INDArray max = b.max(true, axis);
        INDArray e = axis == 0 ? b.subRowVector(max) : b.subColumnVector(max);
        Transforms.exp(e, false);
        INDArray sum = e.sum(true, axis);
        return axis == 0 ? e.diviRowVector(sum) : e.diviColumnVector(sum);
    }
}
