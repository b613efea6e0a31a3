package io.mindstream.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recall, HitRate and NDCG at 20 and 50 under the ComiRec protocol (MIND.md), accumulated user by user.
 * <ul>
 *   <li>Recall@N: hits in the top N / |truth|, averaged over users;</li>
 *   <li>HitRate@N: the share of users with at least one hit in the top N;</li>
 *   <li>NDCG@N: DCG of the hits (1 / log2(rank + 1), rank from 1) over the ideal DCG of min(|truth|, N) hits.</li>
 * </ul>
 * The truth is the set of distinct items of the held-out part; an item the model does not know still counts
 * in |truth| and can never be hit. A user whose history yields no interests gets an empty ranking: zero on
 * every measure, still counted.
 */
public final class RankingMetrics {

    public static final int[] CUTOFFS = {20, 50};

    private final double[] recall = new double[CUTOFFS.length];
    private final double[] hits = new double[CUTOFFS.length];
    private final double[] ndcg = new double[CUTOFFS.length];
    private int users;

    /**
     * Adds one user.
     *
     * @param ranked     the recommended items, best first (at least max(CUTOFFS) entries unless the catalogue
     *                   is smaller; may be empty)
     * @param truthKnown membership of an item in the truth (by the same ids as {@code ranked})
     * @param truthSize  the number of distinct truth items, including unknown ones; at least 1
     */
    public void add(int[] ranked, int rankedCount, java.util.function.IntPredicate truthKnown, int truthSize) {
        if (truthSize < 1) {
            throw new IllegalArgumentException("a user without truth items cannot be evaluated");
        }
        for (int c = 0; c < CUTOFFS.length; c++) {
            int n = CUTOFFS[c];
            int h = 0;
            double dcg = 0;
            for (int r = 0; r < Math.min(n, rankedCount); r++) {
                if (truthKnown.test(ranked[r])) {
                    h++;
                    dcg += 1.0 / log2(r + 2);
                }
            }
            double idcg = 0;
            for (int r = 0; r < Math.min(truthSize, n); r++) {
                idcg += 1.0 / log2(r + 2);
            }
            recall[c] += (double) h / truthSize;
            hits[c] += h > 0 ? 1 : 0;
            ndcg[c] += dcg / idcg;
        }
        users++;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    public int users() {
        return users;
    }

    public double recall(int cutoff) {
        return mean(recall, cutoff);
    }

    public double hitRate(int cutoff) {
        return mean(hits, cutoff);
    }

    public double ndcg(int cutoff) {
        return mean(ndcg, cutoff);
    }

    private double mean(double[] sums, int cutoff) {
        for (int c = 0; c < CUTOFFS.length; c++) {
            if (CUTOFFS[c] == cutoff) {
                return users == 0 ? 0 : sums[c] / users;
            }
        }
        throw new IllegalArgumentException("cutoff " + cutoff + " is not one of 20, 50");
    }

    /** The measures as an ordered map, keys like "recall@20", for the JSON report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("users", users);
        for (int n : CUTOFFS) {
            m.put("recall@" + n, recall(n));
            m.put("hit_rate@" + n, hitRate(n));
            m.put("ndcg@" + n, ndcg(n));
        }
        return m;
    }
}
