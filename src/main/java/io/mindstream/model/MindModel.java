package io.mindstream.model;

import io.mindstream.routing.InitialLogits;
import io.mindstream.routing.RoutingConfig;

import java.util.Objects;

/**
 * An immutable trained MIND model: item embeddings E [V x d], the shared bilinear map S [d x d], the item
 * vocabulary, and the mapped table E·S computed once here so that routing never multiplies by S per event.
 * Validated on construction: shapes agree and every weight is finite.
 */
public final class MindModel {

    /** Largest accepted vocabulary; bounds what a bundle header may make us allocate. */
    public static final int MAX_ITEMS = 50_000_000;
    /** Largest accepted V x d. */
    public static final long MAX_EMBEDDING_FLOATS = 1L << 30;

    private final ModelConfig config;
    private final ItemIndex items;
    private final float[] embeddings;
    private final float[] bilinear;
    private final float[] mapped;
    private final long seed;

    /**
     * @param embeddings row-major [V x d]
     * @param bilinear   row-major [d x d]
     * @throws IllegalArgumentException with a message that says what is wrong
     */
    public MindModel(ModelConfig config, String[] itemIds, float[] embeddings, float[] bilinear) {
        this.config = Objects.requireNonNull(config, "config");
        int d = config.dim();
        if (itemIds.length > MAX_ITEMS) {
            throw new IllegalArgumentException("vocabulary of " + itemIds.length + " items exceeds " + MAX_ITEMS);
        }
        if ((long) itemIds.length * d != embeddings.length) {
            throw new IllegalArgumentException("item_embeddings has " + embeddings.length + " floats but items.txt has "
                    + itemIds.length + " lines and embedding_dim is " + d + " (expected "
                    + ((long) itemIds.length * d) + ")");
        }
        if (bilinear.length != d * d) {
            throw new IllegalArgumentException("bilinear has " + bilinear.length + " floats, expected " + d + " x " + d);
        }
        requireFinite("item_embeddings", embeddings, d);
        requireFinite("bilinear", bilinear, d);
        this.items = new ItemIndex(itemIds);
        this.embeddings = embeddings.clone();
        this.bilinear = bilinear.clone();
        this.mapped = multiply(this.embeddings, this.bilinear, itemIds.length, d);
        requireFinite("item_embeddings x bilinear", mapped, d);
        this.seed = InitialLogits.modelSeed(config.modelVersion());
    }

    private static void requireFinite(String tensor, float[] a, int d) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                throw new IllegalArgumentException(tensor + " has a non-finite value (" + a[i] + ") at row "
                        + (i / d) + ", column " + (i % d));
            }
        }
    }

    /** u_hat = E·S, row by row, accumulated in double so every JVM builds the same table. */
    private static float[] multiply(float[] e, float[] s, int rows, int d) {
        float[] out = new float[rows * d];
        double[] acc = new double[d];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(acc, 0.0);
            int eo = r * d;
            for (int a = 0; a < d; a++) {
                double x = e[eo + a];
                if (x == 0.0) {
                    continue;
                }
                int so = a * d;
                for (int c = 0; c < d; c++) {
                    acc[c] += x * s[so + c];
                }
            }
            for (int c = 0; c < d; c++) {
                out[eo + c] = (float) acc[c];
            }
        }
        return out;
    }

    public ModelConfig config() {
        return config;
    }

    public RoutingConfig routing() {
        return config.routing();
    }

    public String version() {
        return config.modelVersion();
    }

    public int dim() {
        return config.dim();
    }

    public int itemCount() {
        return items.size();
    }

    public ItemIndex items() {
        return items;
    }

    /** The table row of an item id, or -1 when unknown. */
    public int rowOf(String itemId) {
        return items.rowOf(itemId);
    }

    /** The seed of this model version for {@link InitialLogits}. */
    public long seed() {
        return seed;
    }

    /** The mapped table E·S, row-major [V x d]. Shared, never modify. */
    public float[] mappedTable() {
        return mapped;
    }

    /** The item embeddings E, row-major [V x d] (used to score items). Shared, never modify. */
    public float[] embeddingTable() {
        return embeddings;
    }

    /** The bilinear map S, row-major [d x d]. Shared, never modify. */
    public float[] bilinearMatrix() {
        return bilinear;
    }
}
