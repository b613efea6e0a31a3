package io.mindstream.model;

import java.util.Arrays;

/**
 * The result of routing one user: K' interest vectors of d floats, plus what went into them. A mutable holder
 * that an {@link InterestEncoder} reuses from call to call; copy what must outlive the next call.
 */
public final class Interests {

    private float[] vectors = new float[0];
    private int count;
    private int dim;
    private int sequenceLength;
    private int unknownItems;

    void reset(int count, int dim, int sequenceLength, int unknownItems) {
        int need = count * dim;
        if (vectors.length < need) {
            vectors = new float[need];
        }
        this.count = count;
        this.dim = dim;
        this.sequenceLength = sequenceLength;
        this.unknownItems = unknownItems;
    }

    /** The backing array, row-major: interest j occupies [j * dim, (j + 1) * dim). May be longer. */
    public float[] buffer() {
        return vectors;
    }

    /** K', the number of interests (0 for a user with no usable behaviour). */
    public int count() {
        return count;
    }

    public int dim() {
        return dim;
    }

    /** n, the number of behaviours that took part in routing. */
    public int sequenceLength() {
        return sequenceLength;
    }

    /** How many items of the input the model did not know (skipped for routing). */
    public int unknownItems() {
        return unknownItems;
    }

    public float get(int interest, int component) {
        return vectors[interest * dim + component];
    }

    /** A copy of interest j. */
    public float[] vector(int j) {
        return Arrays.copyOfRange(vectors, j * dim, (j + 1) * dim);
    }

    /** A copy of all interests as a K' x d array. */
    public float[][] toArray() {
        float[][] out = new float[count][];
        for (int j = 0; j < count; j++) {
            out[j] = vector(j);
        }
        return out;
    }

    /** A copy of the interests, row-major, exactly K' x d floats. */
    public float[] toFlatArray() {
        return Arrays.copyOf(vectors, count * dim);
    }
}
