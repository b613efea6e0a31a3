package io.mindstream.job;

import io.mindstream.model.ItemIndex;
import io.mindstream.model.ItemSequence;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A user's behaviour window, the keyed state of the job: the most recent behaviours ordered by event time
 * (ties keep arrival order), each with its item id, ts and event_id (absent when the event had none), plus the
 * per-user update counter.
 *
 * <p>The window holds up to a configured capacity, normally larger than the model's L, so that routing still
 * finds the last L items the model knows when some are unknown. When it is full, the oldest behaviour (by ts)
 * leaves; an event older than everything in a full window therefore does not enter it. De-duplication by
 * event_id is exact over the events the window holds.
 *
 * <p>Ids are kept as UTF-8 bytes in one array (an arena), each behaviour pointing at its slices: the operator
 * rebuilds a window from state on every event, and this way that costs no object per id, and the model resolves
 * the ids from the bytes ({@link ItemSequence}). The string accessors decode on demand; they are for tests,
 * tools and display.
 *
 * <p>Mutable; the operator reuses one instance, refilled whenever it reads a window from the state (the window
 * cache keeps the compact {@link CachedWindow} instead).
 */
public final class UserWindow implements ItemSequence {

    private static final int NO_ID = -1;
    private static final int UNRESOLVED = Integer.MIN_VALUE;

    private long[] ts;
    /** Where each behaviour's ids start in the arena: the item id, then the event id right after it. */
    private int[] itemOff;
    private int[] itemLen;
    /** -1 when the behaviour has no event id. */
    private int[] eventLen;
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
        eventLen = new int[c];
        rows = new int[c];
        arena = new byte[32 * c];
    }

    public int size() {
        return size;
    }

    @Override
    public int length() {
        return size;
    }

    /** The arena holding every id's bytes (it may move when ids are added: read it again afterwards). */
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

    /** Where behaviour {@code i}'s event id starts in {@link #idBytes()}. */
    int eventIdOffset(int i) {
        return itemOff[i] + itemLen[i];
    }

    /** The byte length of behaviour {@code i}'s event id, or -1 when it has none. */
    int eventIdLength(int i) {
        return eventLen[i];
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

    /** The event id of behaviour {@code i}, or null. */
    public String eventId(int i) {
        check(i);
        return eventLen[i] < 0 ? null : new String(arena, eventIdOffset(i), eventLen[i], StandardCharsets.UTF_8);
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

    /** Whether an event with this id is in the window. */
    public boolean containsEvent(String eventId) {
        if (eventId == null) {
            return false;
        }
        byte[] b = eventId.getBytes(StandardCharsets.UTF_8);
        return containsEvent(b, 0, b.length);
    }

    /**
     * Whether an event whose id has the UTF-8 bytes {@code buf[off, off + len)} is in the window: lengths first,
     * then bytes. The job asks only when the cache's 64-bit key of the id matched ({@link CachedWindow}).
     */
    public boolean containsEvent(byte[] buf, int off, int len) {
        for (int i = size - 1; i >= 0; i--) {
            if (eventLen[i] == len
                    && Arrays.equals(arena, eventIdOffset(i), eventIdOffset(i) + len, buf, off, off + len)) {
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
        byte[] e = eventId == null ? null : eventId.getBytes(StandardCharsets.UTF_8);
        return insert(i, 0, i.length, eventTs, e, 0, e == null ? NO_ID : e.length, -1, 0, capacity);
    }

    /**
     * {@link #insert(String, long, String, int)} from UTF-8 slices; {@code eventLength} -1 for no event id;
     * {@code row} is the item's row under the vocabulary {@code rowTag} (0: not resolved).
     */
    public boolean insert(byte[] item, int itemOffset, int itemLength, long eventTs,
                          byte[] eventId, int eventOffset, int eventLength, int row, long rowTag, int capacity) {
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
        // reserve both ids first: making room may move the bytes of the behaviours held
        reserve(itemLength + Math.max(0, eventLength));
        int stored = resolvedRow(row, rowTag);
        int io = put(item, itemOffset, itemLength);
        if (eventLength > 0) {
            put(eventId, eventOffset, eventLength);
        }
        int move = size - at;
        System.arraycopy(ts, at, ts, at + 1, move);
        System.arraycopy(itemOff, at, itemOff, at + 1, move);
        System.arraycopy(itemLen, at, itemLen, at + 1, move);
        System.arraycopy(eventLen, at, eventLen, at + 1, move);
        System.arraycopy(rows, at, rows, at + 1, move);
        rows[at] = stored;
        ts[at] = eventTs;
        itemOff[at] = io;
        itemLen[at] = itemLength;
        eventLen[at] = eventLength < 0 ? NO_ID : eventLength;
        size++;
        if (size > capacity) {
            dropOldest(size - capacity);
        }
        return true;
    }

    /** Appends in order without checks; for deserialization. */
    void append(String item, long eventTs, String eventId) {
        byte[] i = item.getBytes(StandardCharsets.UTF_8);
        byte[] e = eventId == null ? null : eventId.getBytes(StandardCharsets.UTF_8);
        appendSlot(eventTs);
        reserve(i.length + (e == null ? 0 : e.length));
        itemOff[size] = put(i, 0, i.length);
        itemLen[size] = i.length;
        if (e != null) {
            put(e, 0, e.length);
        }
        eventLen[size] = e == null ? NO_ID : e.length;
        size++;
    }

    /**
     * Appends in order without checks, the ids' bytes reserved in the arena for the caller to fill; for
     * deserialization straight into the arena.
     *
     * @param eventLength -1 for no event id
     * @return the offset of the item id; the event id follows it directly
     */
    int appendReserved(long eventTs, int itemLength, int eventLength) {
        appendSlot(eventTs);
        int total = itemLength + Math.max(0, eventLength);
        reserve(total);
        int io = arenaUsed;
        arenaUsed += total;
        itemOff[size] = io;
        itemLen[size] = itemLength;
        eventLen[size] = eventLength < 0 ? NO_ID : eventLength;
        size++;
        return io;
    }

    /** Appends in order without checks, copying the ids from {@code src}; {@code eventLength} -1 for none. */
    void appendCopy(long eventTs, byte[] src, int itemOffset, int itemLength, int eventOffset, int eventLength) {
        int at = appendReserved(eventTs, itemLength, eventLength);
        System.arraycopy(src, itemOffset, arena, at, itemLength);
        if (eventLength > 0) {
            System.arraycopy(src, eventOffset, arena, at + itemLength, eventLength);
        }
    }

    /**
     * Gives the newest behaviour (appended with {@link #appendReserved} and no event id) an event id of
     * {@code len} bytes, reserved in the arena for the caller to fill.
     *
     * @return the offset of the event id in {@link #idBytes()} (the arena may have moved: read it afterwards)
     */
    int reserveLastEventId(int len) {
        reserve(len);
        int at = arenaUsed;
        if (itemOff[size - 1] + itemLen[size - 1] != at) {
            throw new IllegalStateException("the newest behaviour's item id is not the last bytes of the arena");
        }
        arenaUsed += len;
        eventLen[size - 1] = len;
        return at;
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
            live += itemLen[i] + Math.max(0, eventLen[i]);
        }
        int need = live + len;
        byte[] target = need <= arena.length - arena.length / 8 ? arena : new byte[need + need / 8 + 16];
        byte[] source = target == arena ? Arrays.copyOf(arena, arenaUsed) : arena;
        int at = 0;
        for (int i = 0; i < size; i++) {
            // the item id and the event id right after it, in one copy
            int both = itemLen[i] + Math.max(0, eventLen[i]);
            System.arraycopy(source, itemOff[i], target, at, both);
            itemOff[i] = at;
            at += both;
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
        return 64 + 6 * 16 + 8L * ts.length + 16L * itemOff.length + arena.length;
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
        System.arraycopy(eventLen, n, eventLen, 0, keep);
        System.arraycopy(rows, n, rows, 0, keep);
        size = keep;
    }

    private void grow(int capacity) {
        ts = Arrays.copyOf(ts, capacity);
        itemOff = Arrays.copyOf(itemOff, capacity);
        itemLen = Arrays.copyOf(itemLen, capacity);
        eventLen = Arrays.copyOf(eventLen, capacity);
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
            bytes += other.itemLen[i] + Math.max(0, other.eventLen[i]);
        }
        ensureArena(bytes);
        for (int i = 0; i < other.size; i++) {
            int at = appendReserved(other.ts[i], other.itemLen[i], other.eventLen[i]);
            System.arraycopy(other.arena, other.itemOff[i], arena, at,
                    other.itemLen[i] + Math.max(0, other.eventLen[i]));
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
            if (ts[i] != w.ts[i] || itemLen[i] != w.itemLen[i] || eventLen[i] != w.eventLen[i]
                    || !Arrays.equals(arena, itemOff[i], itemOff[i] + itemLen[i],
                            w.arena, w.itemOff[i], w.itemOff[i] + itemLen[i])
                    || eventLen[i] >= 0 && !Arrays.equals(arena, eventIdOffset(i), eventIdOffset(i) + eventLen[i],
                            w.arena, w.eventIdOffset(i), w.eventIdOffset(i) + eventLen[i])) {
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
            if (eventLen[i] >= 0) {
                sb.append('#').append(eventId(i));
            }
        }
        return sb.append(']').toString();
    }
}
