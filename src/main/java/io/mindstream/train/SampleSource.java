package io.mindstream.train;

import java.util.SplittableRandom;

/**
 * Draws training samples as ComiRec does: a training user uniformly at random, a split point k uniformly in
 * [min(4, len - 1), len - 1], history = the (at most L) items before k, target = the item at k. Also draws the
 * random initial routing logits of each sample (training redraws them, serving derives them) and, for
 * sampled softmax, the batch's shared negatives from the unigram^0.75 distribution of the training clicks.
 */
final class SampleSource {

    private final DataSplit split;
    private final int maxLen;
    private final int maxInterests;
    private final float initStddev;
    private final SplittableRandom rnd;
    private final int[] users;
    private final double[] cumulative;
    private final float[] logQ;

    SampleSource(DataSplit split, int maxLen, int maxInterests, float initStddev, int negatives,
                 SplittableRandom rnd) {
        this.split = split;
        this.maxLen = maxLen;
        this.maxInterests = maxInterests;
        this.initStddev = initStddev;
        this.rnd = rnd;
        int n = 0;
        int[] eligible = new int[split.trainUsers().length];
        for (int u : split.trainUsers()) {
            if (split.data().sequence(u).length >= 2) {
                eligible[n++] = u;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no training user has two or more behaviours");
        }
        users = java.util.Arrays.copyOf(eligible, n);
        if (negatives > 0) {
            long[] counts = split.rowCounts();
            cumulative = new double[counts.length];
            double total = 0;
            for (int r = 0; r < counts.length; r++) {
                total += Math.pow(counts[r], 0.75);
                cumulative[r] = total;
            }
            logQ = new float[counts.length];
            for (int r = 0; r < counts.length; r++) {
                // expected count of item r among `negatives` draws with replacement
                logQ[r] = (float) Math.log(negatives * Math.pow(counts[r], 0.75) / total);
            }
        } else {
            cumulative = null;
            logQ = null;
        }
    }

    void fill(Batch bt) {
        int L = maxLen;
        for (int b = 0; b < bt.size; b++) {
            int[] seq = split.data().sequence(users[rnd.nextInt(users.length)]);
            int lo = Math.min(4, seq.length - 1);
            int k = lo + rnd.nextInt(seq.length - lo);
            int from = Math.max(0, k - L);
            int n = k - from;
            for (int i = 0; i < n; i++) {
                bt.rows[b * L + i] = split.rowOf(seq[from + i]);
            }
            bt.lengths[b] = n;
            bt.targets[b] = split.rowOf(seq[k]);
            int o = b * maxInterests * L;
            for (int i = 0; i < maxInterests * n; i++) {
                bt.initLogits[o + i] = (float) (rnd.nextGaussian() * initStddev);
            }
            if (logQ != null) {
                bt.targetLogQ[b] = logQ[bt.targets[b]];
            }
        }
        if (cumulative != null) {
            double total = cumulative[cumulative.length - 1];
            for (int m = 0; m < bt.negatives.length; m++) {
                double x = rnd.nextDouble() * total;
                int lo = 0;
                int hi = cumulative.length - 1;
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (cumulative[mid] > x) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                bt.negatives[m] = lo;
                bt.negativeLogQ[m] = logQ[lo];
            }
        }
    }
}
