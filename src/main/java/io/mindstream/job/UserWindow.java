package io.mindstream.job;

import io.mindstream.model.ItemIndex;
import io.mindstream.model.ItemSequence;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A user's behaviour window, the keyed state of the job: the most recent behaviours ordered by event time
 * (ties keep arrival order), each with its item id, ts and the 64-bit key of its event_id ({@link #eventKey(String)},
 * absent when the event had none), plus the per-user update counter.
 *
 * <p>The window holds up to a configured capacity, normally larger than the model's L, so that routing still
 * finds the last L items the model knows when some are unknown. When it is full, the oldest behaviour (by ts)
 * leaves; an event older than everything in a full window therefore does not enter it. De-duplication compares
 * the keys of the event ids the window holds: equal ids have equal keys, and two different ids of one user's
 * window share a key with a probability of about 2^-64 each (docs/EVENTS.md).
 *
 * <p>Item ids are kept as UTF-8 bytes in one array (an arena), each behaviour pointing at its slice: the operator
 * rebuilds a window from state on every cache miss, and this way that costs no object per id, and the model
 * resolves the ids from the bytes ({@link ItemSequence}). The string accessors decode on demand; they are for
 * tests, tools and display.
 *
 * <p>Mutable; the operator reuses one instance, refilled whenever it reads a window from the state (the window
 * cache keeps the compact {@link CachedWindow} instead).
 */
public final class UserWindow implements ItemSequence {

    /** The key of no event id. */
    public static final long NO_EVENT = 0;
    private static final int UNRESOLVED = Integer.MIN_VALUE;

    private long[] ts;
    /** Where each behaviour's item id starts in the arena. */
    private int[] itemOff;
    private int[] itemLen;
    /** {@link #NO_EVENT} when the behaviour has no event id. */
    private long[] eventKeys;
    /**
     * Model rows resolved for each behaviour's item (-1: the model does not know it), valid under the vocabulary
     * {@link #rowTag}; {@link #UNRESOLVED} where not resolved under it. One tag per window, not per behaviour:
     * behaviours resolved under another vocabulary are marked unresolved when the tag changes.
     */
    private int[] rows;
    private long rowTag;
    private int size;
    private byte[] arena;
    private int arenaUsed;
    private long updateSeq;
    private long lastEventAt;

    public UserWindow() {
        this(8);
    }

    UserWindow(int initialCapacity) {
        int c = Math.max(1, initialCapacity);
        ts = new long[c];
        itemOff = new int[c];
        itemLen = new int[c];
        eventKeys = new long[c];
        rows = new int[c];
        arena = new byte[16 * c];
    }

    public int size() {
        return size;
    }

    @Override
    public int length() {
        return size;
    }

    /**
     * The key of an event id: a 64-bit hash of all its UTF-8 bytes ({@link ItemIndex#hash64}), never
     * {@link #NO_EVENT}. Stored in the state (snapshot format 4): the function must not change.
     */
    public static long eventKey(byte[] b, int off, int len) {
        long h = ItemIndex.hash64(b, off, len);
        return h == NO_EVENT ? 1 : h;
    }

    /** {@link #eventKey(byte[], int, int)} of an id, {@link #NO_EVENT} for null. */
    public static long eventKey(String eventId) {
        if (eventId == null) {
            return NO_EVENT;
        }
        byte[] b = eventId.getBytes(StandardCharsets.UTF_8);
        return eventKey(b, 0, b.length);
    }

    /** The arena holding every item id's bytes (it may move when ids are added: read it again afterwards). */
    byte[] idBytes() {
        return arena;
    }

    /** Where behaviour {@code i}'s item id starts in {@link #idBytes()}. */
    int idOffset(int i) {
        return itemOff[i];
    }

    /** The byte length of behaviour {@code i}'s item id. */
    int idLength(int i) {
        return itemLen[i];
    }

    /** The row remembered for behaviour {@code i} when it was resolved under {@code index}'s vocabulary. */
    @Override
    public int rowOf(int i, ItemIndex index) {
        long tag = index.fingerprint();
        if (rowTag != tag) {
            retag(tag);
        }
        int row = rows[i];
        if (row != UNRESOLVED && row < index.size()) {
            return row;
        }
        row = index.rowOf(arena, itemOff[i], itemLen[i]);
        rows[i] = row;
        return row;
    }

    /** Makes {@code tag} the window's vocabulary: the rows resolved under another one no longer hold. */
    private void retag(long tag) {
        Arrays.fill(rows, 0, size, UNRESOLVED);
        rowTag = tag;
    }

    /** The vocabulary every behaviour's row was resolved under, or 0 when some are unresolved. */
    long commonRowTag() {
        if (size == 0) {
            return 0;
        }
        for (int i = 0; i < size; i++) {
            if (rows[i] == UNRESOLVED) {
                return 0;
            }
        }
        return rowTag;
    }

    /** The remembered row of behaviour {@code i} (see {@link #commonRowTag()}). */
    int row(int i) {
        return rows[i];
    }

    /** Remembers the row of the newest appended behaviour, for deserialization. */
    void setLastRow(int row, long tag) {
        rows[size - 1] = resolvedRow(row, tag);
    }

    /** What to remember of a row resolved under {@code tag} (0: none): it, or unresolved; may retag the window. */
    private int resolvedRow(int row, long tag) {
        if (tag == 0) {
            return UNRESOLVED;
        }
        if (tag != rowTag) {
            retag(tag);
        }
        return row;
    }

    /** The key of behaviour {@code i}'s event id, or {@link #NO_EVENT}. */
    public long eventKey(int i) {
        check(i);
        return eventKeys[i];
    }

    /** Item ids oldest first, decoded: a new array of {@link #size()} strings. */
    public String[] items() {
        String[] out = new String[size];
        for (int i = 0; i < size; i++) {
            out[i] = item(i);
        }
        return out;
    }

    public String item(int i) {
        check(i);
        return new String(arena, itemOff[i], itemLen[i], StandardCharsets.UTF_8);
    }

    public long ts(int i) {
        check(i);
        return ts[i];
    }

    /** ts of the newest behaviour, or -1 when the window is empty. */
    public long newestTs() {
        return size == 0 ? -1 : ts[size - 1];
    }

    public long updateSeq() {
        return updateSeq;
    }

    /** Increments and returns the update counter. */
    public long nextUpdateSeq() {
        return ++updateSeq;
    }

    void setUpdateSeq(long updateSeq) {
        this.updateSeq = updateSeq;
    }

    /** Processing time (epoch millis) of the last accepted event: what the state TTL counts from. */
    public long lastEventAt() {
        return lastEventAt;
    }

    public void setLastEventAt(long lastEventAt) {
        this.lastEventAt = lastEventAt;
    }

    /** Whether an event with this id is in the window (by key); never for null. */
    public boolean containsEvent(String eventId) {
        return eventId != null && containsEvent(eventKey(eventId));
    }

    /** Whether an event whose id has this {@link #eventKey} is in the window; never for {@link #NO_EVENT}. */
    public boolean containsEvent(long key) {
        if (key == NO_EVENT) {
            return false;
        }
        for (int i = size - 1; i >= 0; i--) {
            if (eventKeys[i] == key) {
                return true;
            }
        }
        return false;
    }

    /**
     * Inserts a behaviour after every behaviour with ts at or before it, then trims the window to
     * {@code capacity} by dropping the oldest.
     *
     * @return false when the behaviour itself was the one dropped (older than a full window)
     */
    public boolean insert(String item, long eventTs, String eventId, int capacity) {
        byte[] i = item.getBytes(StandardCharsets.UTF_8);
        return insert(i, 0, i.length, eventTs, eventKey(eventId), -1, 0, capacity);
    }

    /**
     * {@link #insert(String, long, String, int)} from a UTF-8 slice and the event id's {@link #eventKey}
     * ({@link #NO_EVENT} for none); {@code row} is the item's row under the vocabulary {@code rowTag} (0: not
     * resolved).
     */
    public boolean insert(byte[] item, int itemOffset, int itemLength, long eventTs, long eventKey, int row,
                          long rowTag, int capacity) {
        int at = size;
        while (at > 0 && ts[at - 1] > eventTs) {
            at--;
        }
        if (size >= capacity && at == 0) {
            return false;
        }
        if (size == ts.length) {
            grow(Math.min(Math.max(capacity, size + 1), Math.max(8, size * 2)));
        }
        // reserve first: making room may move the bytes of the behaviours held
        reserve(itemLength);
        int stored = resolvedRow(row, rowTag);
        int io = put(item, itemOffset, itemLength);
        int move = size - at;
        System.arraycopy(ts, at, ts, at + 1, move);
        System.arraycopy(itemOff, at, itemOff, at + 1, move);
        System.arraycopy(itemLen, at, itemLen, at + 1, move);
        System.arraycopy(eventKeys, at, eventKeys, at + 1, move);
        System.arraycopy(rows, at, rows, at + 1, move);
        rows[at] = stored;
        ts[at] = eventTs;
        itemOff[at] = io;
        itemLen[at] = itemLength;
        eventKeys[at] = eventKey;
        size++;
        if (size > capacity) {
            dropOldest(size - capacity);
        }
        return true;
    }

    /** Appends in order without checks; for deserialization. */
    void append(String item, long eventTs, String eventId) {
        byte[] i = item.getBytes(StandardCharsets.UTF_8);
        appendCopy(eventTs, i, 0, i.length, eventKey(eventId));
    }

    /**
     * Appends in order without checks, the item id's bytes reserved in the arena for the caller to fill; for
     * deserialization straight into the arena.
     *
     * @return the offset of the item id
     */
    int appendReserved(long eventTs, int itemLength, long eventKey) {
        appendSlot(eventTs);
        reserve(itemLength);
        int io = arenaUsed;
        arenaUsed += itemLength;
        itemOff[size] = io;
        itemLen[size] = itemLength;
        eventKeys[size] = eventKey;
        size++;
        return io;
    }

    /** Appends in order without checks, copying the item id from {@code src}. */
    void appendCopy(long eventTs, byte[] src, int itemOffset, int itemLength, long eventKey) {
        int at = appendReserved(eventTs, itemLength, eventKey);
        System.arraycopy(src, itemOffset, arena, at, itemLength);
    }

    /** Sets the event-id key of the newest behaviour; for deserialization. */
    void setLastEventKey(long eventKey) {
        eventKeys[size - 1] = eventKey;
    }

    private void appendSlot(long eventTs) {
        if (size == ts.length) {
            grow(Math.max(8, size * 2));
        }
        ts[size] = eventTs;
        rows[size] = UNRESOLVED;
    }

    /** Copies bytes to the end of the arena, which {@link #reserve} has made room for. */
    private int put(byte[] b, int off, int len) {
        int at = arenaUsed;
        System.arraycopy(b, off, arena, at, len);
        arenaUsed += len;
        return at;
    }

    /**
     * Makes room for {@code len} more bytes: by dropping the bytes of behaviours no longer held when that leaves an
     * eighth of the arena free or more, else by moving to an arena an eighth larger than what is needed. (A full
     * window turns over its ids continuously; the slack is kept small and paid for with a compaction every dozen
     * events or so, a copy of a few KB.)
     */
    private void reserve(int len) {
        if (arenaUsed + len <= arena.length) {
            return;
        }
        int live = 0;
        for (int i = 0; i < size; i++) {
            live += itemLen[i];
        }
        int need = live + len;
        byte[] target = need <= arena.length - arena.length / 8 ? arena : new byte[need + need / 8 + 16];
        byte[] source = target == arena ? Arrays.copyOf(arena, arenaUsed) : arena;
        int at = 0;
        for (int i = 0; i < size; i++) {
            System.arraycopy(source, itemOff[i], target, at, itemLen[i]);
            itemOff[i] = at;
            at += itemLen[i];
        }
        arena = target;
        arenaUsed = at;
    }

    /** Makes room for {@code behaviours} behaviours without growing again (for a replay whose length is known). */
    void ensureCapacity(int behaviours) {
        if (ts.length < behaviours) {
            grow(behaviours);
        }
    }

    /** Makes room in the id arena for {@code bytes} more bytes at once (for decoding a whole window). */
    void ensureArena(int bytes) {
        if (arenaUsed + bytes > arena.length) {
            reserve(bytes);
        }
    }

    /** An estimate of the heap this window retains: its object, its arrays and their headers. */
    long retainedBytes() {
        return 64 + 6 * 16 + 28L * ts.length + arena.length;
    }

    /** Drops the oldest behaviours beyond {@code capacity}. */
    void trimTo(int capacity) {
        if (size > capacity) {
            dropOldest(size - capacity);
        }
    }

    private void dropOldest(int n) {
        int keep = size - n;
        System.arraycopy(ts, n, ts, 0, keep);
        System.arraycopy(itemOff, n, itemOff, 0, keep);
        System.arraycopy(itemLen, n, itemLen, 0, keep);
        System.arraycopy(eventKeys, n, eventKeys, 0, keep);
        System.arraycopy(rows, n, rows, 0, keep);
        size = keep;
    }

    private void grow(int capacity) {
        ts = Arrays.copyOf(ts, capacity);
        itemOff = Arrays.copyOf(itemOff, capacity);
        itemLen = Arrays.copyOf(itemLen, capacity);
        eventKeys = Arrays.copyOf(eventKeys, capacity);
        rows = Arrays.copyOf(rows, capacity);
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("behaviour " + i + " of a window of " + size);
        }
    }

    /** Empties the window and resets its counter and clock, keeping the arrays for reuse. */
    public void clear() {
        size = 0;
        arenaUsed = 0;
        updateSeq = 0;
        lastEventAt = 0;
    }

    /** Makes this window a copy of {@code other}, reusing the arrays. */
    public void setFrom(UserWindow other) {
        clear();
        if (ts.length < other.size) {
            grow(other.size);
        }
        int bytes = 0;
        for (int i = 0; i < other.size; i++) {
            bytes += other.itemLen[i];
        }
        ensureArena(bytes);
        for (int i = 0; i < other.size; i++) {
            appendCopy(other.ts[i], other.arena, other.itemOff[i], other.itemLen[i], other.eventKeys[i]);
        }
        System.arraycopy(other.rows, 0, rows, 0, other.size);
        rowTag = other.rowTag;
        updateSeq = other.updateSeq;
        lastEventAt = other.lastEventAt;
    }

    /** A deep copy. */
    public UserWindow copy() {
        UserWindow c = new UserWindow(Math.max(1, size));
        c.setFrom(this);
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UserWindow w) || w.size != size || w.updateSeq != updateSeq
                || w.lastEventAt != lastEventAt) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (ts[i] != w.ts[i] || itemLen[i] != w.itemLen[i] || eventKeys[i] != w.eventKeys[i]
                    || !Arrays.equals(arena, itemOff[i], itemOff[i] + itemLen[i],
                            w.arena, w.itemOff[i], w.itemOff[i] + itemLen[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(updateSeq);
        for (int i = 0; i < size; i++) {
            int ih = 1;
            for (int b = itemOff[i]; b < itemOff[i] + itemLen[i]; b++) {
                ih = 31 * ih + arena[b];
            }
            h = 31 * h + ih + Long.hashCode(ts[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("UserWindow[seq=").append(updateSeq).append(", ");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : " ").append(item(i)).append('@').append(ts[i]);
            if (eventKeys[i] != NO_EVENT) {
                sb.append('#').append(Long.toHexString(eventKeys[i]));
            }
        }
        return sb.append(']').toString();
    }
}
