package io.mindstream.model;

import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Item id to table row: open-addressing hash tables over the ids of a model, built once per model version.
 * Lookups allocate nothing. Ids can be looked up as strings or as UTF-8 bytes (a slice of any array): the
 * stream operator keeps windows as bytes and resolves them without making a string per id. The byte table
 * keeps all ids in one array and per slot the row and the hash, so a lookup touches two small int arrays and
 * compares the bytes once; both lookups are exact.
 */
public final class ItemIndex {

    private final String[] ids;
    private final String[] keys;
    private final int[] values;
    private final int mask;
    /** UTF-8 of all ids, row after row; row r is utf8[utf8Start[r], utf8Start[r + 1]). */
    private final byte[] utf8;
    private final int[] utf8Start;
    /** Byte table: slot -> row + 1 (0 = empty) and the slot's full hash. */
    private final int[] byteRows;
    private final int[] byteHashes;
    private final long fingerprint;

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
        byte[][] encoded = new byte[ids.length][];
        int total = 0;
        for (int row = 0; row < ids.length; row++) {
            encoded[row] = ids[row].getBytes(StandardCharsets.UTF_8);
            total += encoded[row].length;
        }
        utf8 = new byte[total];
        utf8Start = new int[ids.length + 1];
        byteRows = new int[capacity];
        byteHashes = new int[capacity];
        for (int row = 0, at = 0; row < ids.length; row++) {
            byte[] b = encoded[row];
            System.arraycopy(b, 0, utf8, at, b.length);
            utf8Start[row] = at;
            at += b.length;
            utf8Start[row + 1] = at;
            int h = hash(b, 0, b.length);
            int slot = h & mask;
            while (byteRows[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            byteRows[slot] = row + 1;
            byteHashes[slot] = h;
        }
        long fp = 0x5851F42D4C957F2DL ^ ids.length;
        for (int row = 0; row < ids.length; row++) {
            fp = Long.rotateLeft(fp * 0x9E3779B97F4A7C15L, 27) ^ hash64(utf8, utf8Start[row], utf8Start[row + 1] - utf8Start[row]);
        }
        fingerprint = fp == 0 ? 1 : fp;
    }

    /**
     * A 64-bit fingerprint of the ids in row order, never 0: two indexes with the same fingerprint map every id
     * to the same row, so a row resolved under one holds under the other (the stream operator keeps resolved
     * rows in state, tagged with this).
     */
    public long fingerprint() {
        return fingerprint;
    }

    /** The row of the id whose UTF-8 bytes are {@code buf[off, off + len)}, or -1 when the model does not know it. */
    public int rowOf(byte[] buf, int off, int len) {
        int h = hash(buf, off, len);
        int slot = h & mask;
        int r;
        while ((r = byteRows[slot]) != 0) {
            if (byteHashes[slot] == h) {
                int start = utf8Start[r - 1];
                int end = utf8Start[r];
                if (Arrays.equals(utf8, start, end, buf, off, off + len)) {
                    return r - 1;
                }
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** A 32-bit hash of a byte range: 8 bytes per step, then a final mix (murmur3's fmix64). */
    static int hash(byte[] b, int off, int len) {
        return (int) hash64(b, off, len);
    }

    /**
     * A 64-bit hash of a byte range (8 bytes per step, murmur3's fmix64 at the end); also the stream operator's key
     * of an event id.
     */
    public static long hash64(byte[] b, int off, int len) {
        long h = 0x9E3779B97F4A7C15L ^ len;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            h = (h ^ (long) LONGS.get(b, i)) * 0xC2B2AE3D27D4EB4FL;
            h = Long.rotateLeft(h, 31);
        }
        long tail = 0;
        for (int shift = 0; i < end; i++, shift += 8) {
            tail |= (b[i] & 0xFFL) << shift;
        }
        h = (h ^ tail) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

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

    /** The length in UTF-8 bytes of row {@code row}'s id. */
    public int idByteLength(int row) {
        return utf8Start[row + 1] - utf8Start[row];
    }

    /** Writes the UTF-8 bytes of row {@code row}'s id (no length), without making a string or an array. */
    public void writeIdBytes(int row, DataOutput out) throws IOException {
        out.write(utf8, utf8Start[row], utf8Start[row + 1] - utf8Start[row]);
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
