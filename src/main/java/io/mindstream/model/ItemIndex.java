package io.mindstream.model;

import java.util.Arrays;

/**
 * Item id to table row: an open-addressing hash table over the ids of a model, built once per model version.
 * Lookups allocate nothing.
 */
public final class ItemIndex {

    private final String[] ids;
    private final String[] keys;
    private final int[] values;
    private final int mask;

    /**
     * @throws IllegalArgumentException naming the first duplicate id (with both line numbers, 1-based)
     */
    public ItemIndex(String[] ids) {
        this.ids = ids.clone();
        int capacity = Integer.highestOneBit(Math.max(4, ids.length * 2 - 1)) << 1;
        keys = new String[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        for (int row = 0; row < ids.length; row++) {
            String id = ids[row];
            if (id == null || id.isEmpty()) {
                throw new IllegalArgumentException("items.txt line " + (row + 1) + " is empty");
            }
            int slot = spread(id.hashCode()) & mask;
            while (keys[slot] != null) {
                if (keys[slot].equals(id)) {
                    throw new IllegalArgumentException("items.txt has duplicate item id \"" + id + "\" on lines "
                            + (values[slot] + 1) + " and " + (row + 1));
                }
                slot = (slot + 1) & mask;
            }
            keys[slot] = id;
            values[slot] = row;
        }
    }

    /** The row of {@code id}, or -1 when the model does not know it. */
    public int rowOf(String id) {
        int slot = spread(id.hashCode()) & mask;
        String k;
        while ((k = keys[slot]) != null) {
            if (k.equals(id)) {
                return values[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    public int size() {
        return ids.length;
    }

    /** The id of {@code row}. */
    public String idOf(int row) {
        return ids[row];
    }

    /** A copy of all ids in row order. */
    public String[] ids() {
        return Arrays.copyOf(ids, ids.length);
    }

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
