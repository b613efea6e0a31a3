package io.mindstream.model;

/**
 * A behaviour sequence, oldest first, as the encoder walks it: each behaviour's row in a model's item index.
 * The stream operator's window implements it over UTF-8 ids ({@link ItemIndex#rowOf(byte[], int, int)}) and
 * remembers rows already resolved under the same vocabulary ({@link ItemIndex#fingerprint()}), so encoding it needs
 * no string and, mostly, no lookup per id.
 */
public interface ItemSequence {

    /** Number of behaviours. */
    int length();

    /** The row of behaviour {@code i}'s item in {@code index}, or -1 when the index does not know it. */
    int rowOf(int i, ItemIndex index);
}
