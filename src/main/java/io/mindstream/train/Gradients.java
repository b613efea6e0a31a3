package io.mindstream.train;

import java.util.Arrays;

/**
 * Gradients of one batch: dense buffers for E and S plus the set of E rows that received anything, so that
 * clearing and the optimiser step touch only those rows (sampled softmax touches a small part of the table).
 */
final class Gradients {

    final int dim;
    final float[] embeddings;
    final float[] bilinear;
    private final boolean[] touched;
    private final int[] touchedRows;
    private int touchedCount;
    private boolean all;

    Gradients(int vocab, int dim) {
        this.dim = dim;
        embeddings = new float[vocab * dim];
        bilinear = new float[dim * dim];
        touched = new boolean[vocab];
        touchedRows = new int[vocab];
    }

    void clear() {
        if (all) {
            Arrays.fill(embeddings, 0f);
            Arrays.fill(touched, false);
        } else {
            for (int i = 0; i < touchedCount; i++) {
                int r = touchedRows[i];
                Arrays.fill(embeddings, r * dim, (r + 1) * dim, 0f);
                touched[r] = false;
            }
        }
        touchedCount = 0;
        all = false;
        Arrays.fill(bilinear, 0f);
    }

    /** Every row has a gradient (the full softmax). */
    void markAll() {
        all = true;
    }

    boolean allRows() {
        return all;
    }

    void addRow(int row, float[] src, int offset, float scale) {
        if (!all && !touched[row]) {
            touched[row] = true;
            touchedRows[touchedCount++] = row;
        }
        int o = row * dim;
        for (int c = 0; c < dim; c++) {
            embeddings[o + c] += scale * src[offset + c];
        }
    }

    int touchedCount() {
        return all ? touched.length : touchedCount;
    }

    /** The i-th touched row. */
    int touchedRow(int i) {
        return all ? i : touchedRows[i];
    }
}
