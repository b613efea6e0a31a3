package io.mindstream.train;

import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * The offline protocol on held-out users (MIND.md): interests from the history, top-50 items by
 * max_j v_j · e_item over the whole vocabulary, then {@link RankingMetrics}.
 *
 * <p>MIND's interests come from {@link InterestEncoder} on a {@link MindModel} built from the weights, with
 * the deterministic initial logits: exactly what the stream would serve for that user and model version.
 * History items are not excluded from the ranking (as in ComiRec): a user may click an item again.
 */
public final class Evaluator {

    public static final int TOP_N = 50;
    /** At most this many scores per ND4J block (64 MiB of floats). */
    private static final long BLOCK_SCORES = 16L << 20;

    private final DataSplit split;

    public Evaluator(DataSplit split) {
        this.split = split;
    }

    /** MIND: routing through the serving encoder. */
    public RankingMetrics evaluateRouting(MindModel model, List<DataSplit.HeldOut> users) {
        InterestEncoder encoder = new InterestEncoder();
        int k = model.routing().maxInterests();
        return score(model, users, k, (u, out) -> {
            String[] ids = new String[u.history().length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = split.data().itemId(u.history()[i]);
            }
            Interests in = encoder.encode(model, u.userId(), ids, ids.length);
            System.arraycopy(in.buffer(), 0, out, 0, in.count() * in.dim());
            return in.count();
        });
    }

    /** The single-vector baseline: the mean of e_i·S over the last L known history items. */
    public RankingMetrics evaluateMean(MindModel model, List<DataSplit.HeldOut> users) {
        int d = model.dim();
        int maxLen = model.routing().maxSequenceLength();
        float[] mapped = model.mappedTable();
        return score(model, users, 1, (u, out) -> {
            Arrays.fill(out, 0, d, 0f);
            int n = 0;
            int[] h = u.history();
            for (int p = h.length - 1; p >= 0 && n < maxLen; p--) {
                int row = model.rowOf(split.data().itemId(h[p]));
                if (row >= 0) {
                    n++;
                    for (int c = 0; c < d; c++) {
                        out[c] += mapped[row * d + c];
                    }
                }
            }
            for (int c = 0; c < d && n > 0; c++) {
                out[c] /= n;
            }
            return n == 0 ? 0 : 1;
        });
    }

    /** Most popular items of the training users, the same list for everyone. */
    public RankingMetrics evaluateMostPopular(List<DataSplit.HeldOut> users) {
        long[] counts = split.rowCounts();
        Integer[] order = new Integer[counts.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> counts[b] != counts[a] ? Long.compare(counts[b], counts[a]) : Integer.compare(a, b));
        int n = Math.min(TOP_N, order.length);
        int[] top = new int[n];
        for (int i = 0; i < n; i++) {
            top[i] = split.itemOfRow(order[i]);
        }
        RankingMetrics m = new RankingMetrics();
        for (DataSplit.HeldOut u : users) {
            m.add(top, n, item -> contains(u.truth(), item), u.truth().length);
        }
        return m;
    }

    /** Writes a user's vectors into {@code out} (row-major, up to K x d) and returns how many. */
    @FunctionalInterface
    interface UserVectors {
        int fill(DataSplit.HeldOut user, float[] out);
    }

    private RankingMetrics score(MindModel model, List<DataSplit.HeldOut> users, int k, UserVectors vectors) {
        int d = model.dim();
        int vocab = model.itemCount();
        INDArray table = Nd4j.createFromArray(model.embeddingTable()).reshape(vocab, d);
        final int CHUNK = (int) Math.max(1, Math.min(256, BLOCK_SCORES / ((long) k * vocab)));
        int[] rowItem = new int[vocab];
        for (int r = 0; r < vocab; r++) {
            rowItem[r] = itemIndex(model.items().idOf(r));
        }
        RankingMetrics metrics = new RankingMetrics();
        float[] one = new float[k * d];
        float[] block = new float[CHUNK * k * d];
        int[] counts = new int[CHUNK];
        float[] all = new float[CHUNK * k * vocab];
        float[] best = new float[vocab];
        INDArray q = Nd4j.create(DataType.FLOAT, (long) CHUNK * k, d);
        INDArray scores = Nd4j.create(DataType.FLOAT, (long) CHUNK * k, vocab);
        int[] top = new int[TOP_N];
        float[] topScore = new float[TOP_N];
        for (int from = 0; from < users.size(); from += CHUNK) {
            int c = Math.min(CHUNK, users.size() - from);
            Arrays.fill(block, 0f);
            for (int b = 0; b < c; b++) {
                int kk = vectors.fill(users.get(from + b), one);
                counts[b] = kk;
                for (int j = 0; j < k; j++) {
                    // fewer than K interests: repeat the first, which leaves the max over interests unchanged
                    int src = j < kk ? j : 0;
                    System.arraycopy(one, src * d, block, (b * k + j) * d, d);
                }
            }
            q.data().asNioFloat().put(block);
            // scores = Q E^T, issued as the column-major (E Q^T) into the c-order block (no layout copy)
            Nd4j.gemm(table, q, scores.transpose(), false, true, 1.0, 0.0);
            scores.data().asNioFloat().get(all, 0, c * k * vocab);
            for (int b = 0; b < c; b++) {
                DataSplit.HeldOut u = users.get(from + b);
                // max over the user's interests (rows beyond K' repeat the first)
                System.arraycopy(all, b * k * vocab, best, 0, vocab);
                for (int j = 1; j < k; j++) {
                    int o = (b * k + j) * vocab;
                    for (int i = 0; i < vocab; i++) {
                        best[i] = Math.max(best[i], all[o + i]);
                    }
                }
                int found = counts[b] == 0 ? 0 : topN(best, 0, vocab, top, topScore);
                int[] items = new int[found];
                for (int i = 0; i < found; i++) {
                    items[i] = rowItem[top[i]];
                }
                metrics.add(items, found, item -> contains(u.truth(), item), u.truth().length);
            }
        }
        return metrics;
    }

    private int itemIndex(String id) {
        Integer i = idToItem().get(id);
        return i == null ? -1 : i;
    }

    private java.util.Map<String, Integer> idIndex;

    private java.util.Map<String, Integer> idToItem() {
        if (idIndex == null) {
            idIndex = new java.util.HashMap<>();
            for (int i = 0; i < split.data().itemCount(); i++) {
                idIndex.put(split.data().itemId(i), i);
            }
        }
        return idIndex;
    }

    /** The indices of the N largest of {@code s[off .. off + len)}, best first (ties: lower index first). */
    static int topN(float[] s, int off, int len, int[] idx, float[] val) {
        int n = Math.min(idx.length, len);
        int size = 0;
        for (int i = 0; i < len; i++) {
            float x = s[off + i];
            if (size == n && !(x > val[n - 1])) {
                continue;
            }
            int p = size == n ? n - 1 : size++;
            while (p > 0 && x > val[p - 1]) {
                val[p] = val[p - 1];
                idx[p] = idx[p - 1];
                p--;
            }
            val[p] = x;
            idx[p] = i;
        }
        return size;
    }

    private static boolean contains(int[] a, int x) {
        for (int v : a) {
            if (v == x) {
                return true;
            }
        }
        return false;
    }
}
