package io.mindstream.job;

import io.mindstream.model.ItemIndex;
import io.mindstream.model.ItemSequence;

import java.util.Arrays;

/**
 * A user's window as the {@link WindowCache} keeps it: per behaviour only what an event needs, its ts, its item's
 * row in the current model and the 64-bit key of its event id. About 20 bytes per behaviour instead of the ~40 of
 * a decoded {@link UserWindow}, so a cache of a given size holds twice the users.
 *
 * <p>What it leaves out, the item ids, the current model knows for every item it knows: a snapshot of a window
 * whose items are all known is written from the cache and the model's vocabulary
 * ({@link UserWindowSerializer#serialize(CachedWindow, ItemIndex, org.apache.flink.core.memory.DataOutputView)}).
 * Only a window holding an unknown item (or resolved under no model yet) has its log read back from the state for
 * a snapshot. Rows hold under one vocabulary: the updater empties the cache when a model with another vocabulary
 * comes in, and the windows are read again from the state, whose ids resolve under any vocabulary.
 *
 * <p>The order and trimming rules are those of {@link UserWindow#insert}, and the updater checks at every read-back
 * that the state's window has the same length, counter and clock.
 *
 * <p>Mutable, reused: the cache recycles an evicted user's window for the next miss. Public for the benchmarks of
 * the updater's path.
 */
public final class CachedWindow implements ItemSequence {

    /** The row of a behaviour whose item was not resolved (no model yet). */
    static final int UNRESOLVED = Integer.MIN_VALUE;

    /**
     * The behaviours' ts, rows and keys at {@code base .. base + capacity} of these arrays: the window's own arrays,
     * or a slot of the cache's shared slabs ({@link WindowCache}).
     */
    private long[] ts;
    private int[] rows;
    private long[] eventKeys;
    private int base;
    private int capacity;
    /** Whether the arrays are slabs shared with other windows. */
    private boolean slotted;
    private int size;
    /** The vocabulary ({@link ItemIndex#fingerprint()}) the rows were resolved under; 0 when unresolved. */
    private long rowTag;
    private long updateSeq;
    private long lastEventAt;

    public CachedWindow(int initialCapacity) {
        int c = Math.max(1, initialCapacity);
        ts = new long[c];
        rows = new int[c];
        eventKeys = new long[c];
        capacity = c;
    }

    /**
     * A window in the slot at {@code base} of slabs shared with other windows, for up to {@code capacity}
     * behaviours.
     */
    CachedWindow(long[] ts, int[] rows, long[] eventKeys, int base, int capacity) {
        if (base < 0 || capacity < 1 || base + capacity > ts.length || base + capacity > rows.length
                || base + capacity > eventKeys.length) {
            throw new IllegalArgumentException("slot " + base + "+" + capacity + " is outside the slabs");
        }
        this.ts = ts;
        this.rows = rows;
        this.eventKeys = eventKeys;
        this.base = base;
        this.capacity = capacity;
        this.slotted = true;
    }

    /**
     * Makes this the cached form of {@code w}, its rows resolved under {@code index} (null: no model, unresolved).
     */
    public void setFrom(UserWindow w, ItemIndex index) {
        int n = w.size();
        if (capacity < n) {
            size = 0;
            grow(n);
        }
        for (int i = 0; i < n; i++) {
            ts[base + i] = w.ts(i);
            rows[base + i] = index == null ? UNRESOLVED : w.rowOf(i, index);
            eventKeys[base + i] = w.eventKey(i);
        }
        size = n;
        rowTag = index == null ? 0 : index.fingerprint();
        updateSeq = w.updateSeq();
        lastEventAt = w.lastEventAt();
    }

    /**
     * Inserts a behaviour by the rules of {@link UserWindow#insert}: after every behaviour with ts at or before it,
     * then the oldest beyond {@code capacity} leave.
     *
     * @param row    the item's row under the vocabulary {@code rowTag} (0: none, the row is not resolved)
     * @param key    the event id's {@link UserWindow#eventKey(byte[], int, int)}, or {@link UserWindow#NO_EVENT}
     * @param limit  the window's capacity in behaviours
     * @return false when the behaviour itself was the one dropped (older than a full window)
     * @throws IllegalStateException when the window's rows were resolved under another vocabulary
     */
    public boolean insert(long eventTs, int row, long rowTag, long key, int limit) {
        if (size == 0) {
            this.rowTag = rowTag;
        } else if (rowTag != this.rowTag) {
            throw new IllegalStateException("a cached window resolved under vocabulary " + this.rowTag
                    + " gets a behaviour resolved under " + rowTag);
        }
        final int b = base;
        int at = size;
        while (at > 0 && ts[b + at - 1] > eventTs) {
            at--;
        }
        if (size >= limit && at == 0) {
            return false;
        }
        if (size == this.capacity) {
            grow(Math.min(Math.max(limit, size + 1), Math.max(8, size * 2)));
            return insert(eventTs, row, rowTag, key, limit);
        }
        int move = size - at;
        System.arraycopy(ts, b + at, ts, b + at + 1, move);
        System.arraycopy(rows, b + at, rows, b + at + 1, move);
        System.arraycopy(eventKeys, b + at, eventKeys, b + at + 1, move);
        ts[b + at] = eventTs;
        rows[b + at] = rowTag == 0 ? UNRESOLVED : row;
        eventKeys[b + at] = key;
        size++;
        if (size > limit) {
            int drop = size - limit;
            int keep = size - drop;
            System.arraycopy(ts, b + drop, ts, b, keep);
            System.arraycopy(rows, b + drop, rows, b, keep);
            System.arraycopy(eventKeys, b + drop, eventKeys, b, keep);
            size = keep;
        }
        return true;
    }

    /** Whether an event whose id has this key is in the window (as {@link UserWindow#containsEvent(long)}). */
    public boolean containsEvent(long key) {
        if (key == UserWindow.NO_EVENT) {
            return false;
        }
        for (int i = base + size - 1; i >= base; i--) {
            if (eventKeys[i] == key) {
                return true;
            }
        }
        return false;
    }

    /** Whether every behaviour's item has a row in the vocabulary the window was resolved under. */
    boolean allRowsKnown() {
        for (int i = base + size - 1; i >= base; i--) {
            if (rows[i] < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int length() {
        return size;
    }

    public int size() {
        return size;
    }

    /**
     * The row of behaviour {@code i} in {@code index}, which must have the vocabulary the window was resolved
     * under.
     *
     * @throws IllegalStateException when it has another one (the cache was not emptied on a vocabulary change)
     */
    @Override
    public int rowOf(int i, ItemIndex index) {
        int row = rows[base + i];
        if (index.fingerprint() != rowTag || row == UNRESOLVED) {
            throw new IllegalStateException("a cached window resolved under vocabulary " + rowTag
                    + " is read under " + index.fingerprint());
        }
        return row;
    }

    long ts(int i) {
        return ts[base + i];
    }

    /** The stored row of behaviour {@code i}: under {@link #rowTag()}, -1 for an unknown item. */
    int row(int i) {
        return rows[base + i];
    }

    /** The vocabulary the rows were resolved under; 0 when unresolved. */
    long rowTag() {
        return rowTag;
    }

    long eventKey(int i) {
        return eventKeys[base + i];
    }

    public long updateSeq() {
        return updateSeq;
    }

    public long nextUpdateSeq() {
        return ++updateSeq;
    }

    long lastEventAt() {
        return lastEventAt;
    }

    public void setLastEventAt(long lastEventAt) {
        this.lastEventAt = lastEventAt;
    }

    /** Empties the window and resets its counter and clock, keeping the arrays. */
    void clear() {
        size = 0;
        rowTag = 0;
        updateSeq = 0;
        lastEventAt = 0;
    }

    /**
     * An estimate of the heap this window retains: its object and its slot (or its own three arrays with their
     * headers).
     */
    long retainedBytes() {
        return 56 + (slotted ? 0 : 3 * 16) + 20L * capacity;
    }

    /** Whether the window lives in a slot of slabs shared with other windows rather than in arrays of its own. */
    boolean slotted() {
        return slotted;
    }

    /** Moves the window to arrays of its own for {@code newCapacity} behaviours (leaving its slot, if it had one). */
    private void grow(int newCapacity) {
        ts = Arrays.copyOfRange(ts, base, base + newCapacity);
        rows = Arrays.copyOfRange(rows, base, base + newCapacity);
        eventKeys = Arrays.copyOfRange(eventKeys, base, base + newCapacity);
        base = 0;
        capacity = newCapacity;
        slotted = false;
    }
}
