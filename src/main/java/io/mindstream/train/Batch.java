package io.mindstream.train;

/**
 * One training batch in table rows: for sample b, behaviours {@code rows[b * L .. b * L + lengths[b])}
 * (oldest first), the target row, and the initial routing logits of the sample
 * ({@code initLogits[b * K * L + j * n + i]}, interest j, behaviour i, n = lengths[b]). For sampled softmax
 * also the shared negatives and the log-probabilities under which they and the targets were drawn.
 */
final class Batch {

    final int size;
    final int maxLen;
    final int maxInterests;
    final int[] rows;
    final int[] lengths;
    final int[] targets;
    final float[] initLogits;
    /** Shared negative rows (sampled softmax only), length = negatives. */
    final int[] negatives;
    /** log Q of each negative. */
    final float[] negativeLogQ;
    /** log Q of each target. */
    final float[] targetLogQ;

    Batch(int size, int maxLen, int maxInterests, int negatives) {
        this.size = size;
        this.maxLen = maxLen;
        this.maxInterests = maxInterests;
        rows = new int[size * maxLen];
        lengths = new int[size];
        targets = new int[size];
        initLogits = new float[size * maxInterests * maxLen];
        this.negatives = new int[negatives];
        negativeLogQ = new float[negatives];
        targetLogQ = new float[size];
    }
}
