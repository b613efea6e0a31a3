package io.mindstream.job;

import java.util.Arrays;

/**
 * A user's behaviour window, the keyed state of the job: the most recent behaviours ordered by event time
 * (ties keep arrival order), each with its item id, ts and event_id (null when the event had none), plus the
 * per-user update counter.
 *
 * <p>The window holds up to a configured capacity, normally larger than the model's L, so that routing still
 * finds the last L items the model knows when some are unknown. When it is full, the oldest behaviour (by ts)
 * leaves; an event older than everything in a full window therefore does not enter it. De-duplication by
 * event_id is exact over the events the window holds.
 *
 * <p>Mutable; one instance is read from state, changed and written back per event.
 */
public final class UserWindow {

    private String[] items;
    private long[] ts;
    private String[] eventIds;
    private int size;
    private long updateSeq;
    private long lastEventAt;

    public UserWindow() {
        this(8);
    }

    UserWindow(int initialCapacity) {
        items = new String[initialCapacity];
        ts = new long[initialCapacity];
        eventIds = new String[initialCapacity];
    }

    public int size() {
        return size;
    }

    /** Item ids oldest first; valid in [0, size()). The backing array: do not modify. */
    public String[] items() {
        return items;
    }

    public String item(int i) {
        return items[i];
    }

    public long ts(int i) {
        return ts[i];
    }

    public String eventId(int i) {
        return eventIds[i];
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
        for (int i = size - 1; i >= 0; i--) {
            if (eventId.equals(eventIds[i])) {
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
        int at = size;
        while (at > 0 && ts[at - 1] > eventTs) {
            at--;
        }
        if (size >= capacity && at == 0) {
            return false;
        }
        if (size == items.length) {
            grow(Math.min(Math.max(capacity, size + 1), Math.max(8, size * 2)));
        }
        System.arraycopy(items, at, items, at + 1, size - at);
        System.arraycopy(ts, at, ts, at + 1, size - at);
        System.arraycopy(eventIds, at, eventIds, at + 1, size - at);
        items[at] = item;
        ts[at] = eventTs;
        eventIds[at] = eventId;
        size++;
        if (size > capacity) {
            dropOldest(size - capacity);
        }
        return true;
    }

    /** Appends in order without checks; for deserialization. */
    void append(String item, long eventTs, String eventId) {
        if (size == items.length) {
            grow(Math.max(8, size * 2));
        }
        items[size] = item;
        ts[size] = eventTs;
        eventIds[size] = eventId;
        size++;
    }

    private void dropOldest(int n) {
        System.arraycopy(items, n, items, 0, size - n);
        System.arraycopy(ts, n, ts, 0, size - n);
        System.arraycopy(eventIds, n, eventIds, 0, size - n);
        Arrays.fill(items, size - n, size, null);
        Arrays.fill(eventIds, size - n, size, null);
        size -= n;
    }

    private void grow(int capacity) {
        items = Arrays.copyOf(items, capacity);
        ts = Arrays.copyOf(ts, capacity);
        eventIds = Arrays.copyOf(eventIds, capacity);
    }

    /** A deep copy (strings are immutable and shared). */
    public UserWindow copy() {
        UserWindow c = new UserWindow(Math.max(1, size));
        System.arraycopy(items, 0, c.items, 0, size);
        System.arraycopy(ts, 0, c.ts, 0, size);
        System.arraycopy(eventIds, 0, c.eventIds, 0, size);
        c.size = size;
        c.updateSeq = updateSeq;
        c.lastEventAt = lastEventAt;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UserWindow w) || w.size != size || w.updateSeq != updateSeq
                || w.lastEventAt != lastEventAt) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (ts[i] != w.ts[i] || !items[i].equals(w.items[i]) || !java.util.Objects.equals(eventIds[i], w.eventIds[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(updateSeq);
        for (int i = 0; i < size; i++) {
            h = 31 * h + items[i].hashCode() + Long.hashCode(ts[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("UserWindow[seq=").append(updateSeq).append(", ");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : " ").append(items[i]).append('@').append(ts[i]);
            if (eventIds[i] != null) {
                sb.append('#').append(eventIds[i]);
            }
        }
        return sb.append(']').toString();
    }
}
