package io.mindstream.model;

import io.mindstream.routing.InitialLogits;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingKernel;
import io.mindstream.routing.RoutingKernels;

import java.util.List;

/**
 * Computes a user's interests from a behaviour sequence under a model: drops unknown items, keeps the last L
 * known ones, draws the deterministic initial logits (or takes explicit ones) and runs the routing kernel.
 * This is the one place that does so, shared by the stream operator, the {@code score} command and the
 * trainer's checks.
 *
 * <p>Not thread-safe: it owns the scratch buffers that make a call allocation-free once they have grown to
 * the largest shape seen. Use one per thread (a Flink subtask, a scoring worker).
 */
public final class InterestEncoder {

    private final RoutingKernel kernel;
    private final Interests result = new Interests();
    private final StringSequence strings = new StringSequence();
    private int[] rows = new int[0];
    private float[] logits = new float[0];
    private float[] scratch = new float[0];
    private long[] seedScratch = new long[0];

    public InterestEncoder() {
        this(RoutingKernels.best());
    }

    public InterestEncoder(RoutingKernel kernel) {
        this.kernel = kernel;
    }

    public RoutingKernel kernel() {
        return kernel;
    }

    /** Interests of {@code userId} from {@code items}, oldest first. */
    public Interests encode(MindModel model, String userId, List<String> items) {
        return encode(model, userId, items.toArray(new String[0]), items.size(), null);
    }

    /** Interests of {@code userId} from {@code items[0..count)}, oldest first. */
    public Interests encode(MindModel model, String userId, String[] items, int count) {
        return encode(model, userId, items, count, null);
    }

    /**
     * Interests of {@code userId} from {@code items[0..count)}, oldest first.
     *
     * @param initLogits null for the deterministic initial logits; otherwise at least K' rows of exactly n
     *                   values (n = usable behaviours), of which the first K' are used
     * @throws IllegalArgumentException when explicit logits have the wrong shape
     */
    public Interests encode(MindModel model, String userId, String[] items, int count, float[][] initLogits) {
        strings.set(items, count);
        try {
            return encode(model, userId, strings, initLogits);
        } finally {
            strings.set(null, 0);
        }
    }

    /**
     * Interests of {@code userId} from a behaviour sequence, oldest first, such as the stream operator's window:
     * the same rule as {@link #encode(MindModel, String, String[], int, float[][])}.
     */
    public Interests encode(MindModel model, String userId, ItemSequence items) {
        return encode(model, userId, items, null);
    }

    private Interests encode(MindModel model, String userId, ItemSequence items, float[][] initLogits) {
        int maxLen = model.routing().maxSequenceLength();
        ensureRows(maxLen);
        ItemIndex index = model.items();
        // Walk back from the newest item, keeping the last L known ones.
        int n = 0;
        int unknown = 0;
        for (int p = items.length() - 1; p >= 0; p--) {
            int row = items.rowOf(p, index);
            if (row < 0) {
                unknown++;
            } else if (n < maxLen) {
                rows[n++] = row;
            }
        }
        reverse(rows, n);
        return route(model, InitialLogits.userSeed(userId, model.seed()), rows, n, unknown, initLogits);
    }

    /** {@code items[0..count)} as a sequence, reused across calls so that encoding strings allocates nothing. */
    private static final class StringSequence implements ItemSequence {
        private String[] items;
        private int count;

        void set(String[] items, int count) {
            this.items = items;
            this.count = count;
        }

        @Override
        public int length() {
            return count;
        }

        @Override
        public int rowOf(int i, ItemIndex index) {
            return index.rowOf(items[i]);
        }
    }

    /**
     * Interests from already resolved table rows {@code rows[0..n)}, oldest first, n at most L. For callers
     * that keep rows rather than ids.
     */
    public Interests encodeRows(MindModel model, String userId, int[] rows, int n) {
        if (n > model.routing().maxSequenceLength()) {
            throw new IllegalArgumentException("n = " + n + " exceeds max_sequence_length "
                    + model.routing().maxSequenceLength());
        }
        return route(model, InitialLogits.userSeed(userId, model.seed()), rows, n, 0, null);
    }

    private Interests route(MindModel model, long userSeed, int[] rows, int n, int unknown, float[][] init) {
        RoutingConfig cfg = model.routing();
        int d = cfg.embeddingDim();
        int k = cfg.interestCount(n);
        result.reset(k, d, n, unknown);
        if (n == 0) {
            return result;
        }
        int cells = k * n;
        if (logits.length < cells) {
            logits = new float[cells];
        }
        int scratchSize = kernel.scratchSize(n, k, d);
        if (scratch.length < scratchSize) {
            scratch = new float[scratchSize];
        }
        if (init == null) {
            int seeds = kernel.initialLogitsScratchSize(n, k);
            if (seedScratch.length < seeds) {
                seedScratch = new long[seeds];
            }
            kernel.initialLogits(userSeed, rows, n, k, cfg.initStddev(), logits, seedScratch);
        } else {
            copyExplicit(init, k, n);
        }
        kernel.route(model.mappedTable(), rows, n, k, d, cfg.iterations(), cfg.softmax(), logits, scratch,
                result.buffer());
        return result;
    }

    private void copyExplicit(float[][] init, int k, int n) {
        if (init.length < k) {
            throw new IllegalArgumentException("init_logits has " + init.length + " rows, at least " + k
                    + " (K') are needed");
        }
        for (int j = 0; j < k; j++) {
            if (init[j] == null || init[j].length != n) {
                throw new IllegalArgumentException("init_logits row " + j + " has "
                        + (init[j] == null ? 0 : init[j].length) + " values, expected one per usable behaviour ("
                        + n + ")");
            }
            for (int i = 0; i < n; i++) {
                float b = init[j][i];
                if (!Float.isFinite(b)) {
                    throw new IllegalArgumentException("init_logits row " + j + " has a non-finite value (" + b
                            + ") at position " + i);
                }
                logits[j * n + i] = b;
            }
        }
    }

    private void ensureRows(int maxLen) {
        if (rows.length < maxLen) {
            rows = new int[maxLen];
        }
    }

    private static void reverse(int[] a, int n) {
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
