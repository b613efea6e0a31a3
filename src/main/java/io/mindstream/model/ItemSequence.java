package io.mindstream.model;

/**
 * A behaviour sequence as UTF-8 item ids in one byte array, oldest first: what the stream operator holds, so
 * that encoding it needs no string per id ({@link ItemIndex#rowOf(byte[], int, int)}).
 */
public interface ItemSequence {

    /** Number of behaviours. */
    int length();

    /** The array holding every id's bytes. */
    byte[] idBytes();

    /** Where behaviour {@code i}'s id starts in {@link #idBytes()}. */
    int idOffset(int i);

    /** The byte length of behaviour {@code i}'s id. */
    int idLength(int i);

    /**
     * The row of behaviour {@code i}'s id in {@code index}, or -1 when it does not know the id. Sequences that
     * remember rows already resolved under the same vocabulary ({@link ItemIndex#fingerprint()}) override this.
     */
    default int rowOf(int i, ItemIndex index) {
        return index.rowOf(idBytes(), idOffset(i), idLength(i));
    }
}
