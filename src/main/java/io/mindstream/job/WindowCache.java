package io.mindstream.job;

import java.util.HashMap;

/**
 * A subtask's heap cache of decoded user windows, in front of the keyed state.
 *
 * <p>Every event needs its user's whole window, and reading it from RocksDB (a merge {@code get} that collects the
 * log's snapshot and deltas, then the decoding) costs more than the routing itself. The cache keeps the decoded
 * windows of recently active users, so that a user's next event starts from the window the previous one left.
 *
 * <p>It is <b>write-through</b>: the updater still appends every event's delta (or snapshot) to the keyed state, so
 * the state stays the source of truth and checkpoints, savepoints and rescaling never see the cache. A cached
 * window is always equal to what reading the state would give (the replay of a log equals the window its events
 * built, {@link WindowLog}); whatever changes the state without an event (the background TTL, a model refresh)
 * removes the users concerned or clears the cache. After a failure the operator instance is new and so is its
 * cache, empty.
 *
 * <p>Memory is bounded by an estimate of the bytes the cached windows retain (their arrays plus the bookkeeping per
 * user), not by a count, since a window's size depends on its ids. Eviction is CLOCK (second chance): a hit only
 * sets a flag, so the hot path moves no list nodes, and an evicted entry's window is recycled for the next miss.
 * A budget of zero disables the cache: every event then reads its window from the state into one reused window.
 *
 * <p>Not thread-safe: one instance per operator instance, used from the task thread only.
 */
final class WindowCache {

    /** Per cached user besides the window's arrays: the entry, the hash map node and table slot, the ring slot, the key. */
    static final int ENTRY_OVERHEAD_BYTES = 160;

    /** A user's cached window and the number of deltas its log holds after the last snapshot. */
    static final class Entry {
        final UserWindow window;
        String user;
        int deltas;
        boolean referenced;
        /** Position in the clock ring, or -1 when not cached. */
        int slot = -1;
        long bytes;

        Entry(UserWindow window) {
            this.window = window;
        }
    }

    private final long budgetBytes;
    private final int windowCapacity;
    private final HashMap<String, Entry> byUser = new HashMap<>();
    private Entry[] ring = new Entry[64];
    private int count;
    private int hand;
    private long bytes;
    /** An entry not in the cache, whose window the next miss fills: recycled from an eviction when there was one. */
    private Entry spare;
    private long evictions;

    /**
     * @param budgetBytes    the estimated heap the cached windows may retain; 0 disables the cache
     * @param windowCapacity the behaviours per window, to size new windows
     */
    WindowCache(long budgetBytes, int windowCapacity) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("budgetBytes must not be negative, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
        this.windowCapacity = windowCapacity;
    }

    boolean enabled() {
        return budgetBytes > 0;
    }

    /** The user's cached entry, marked as recently used, or null (a miss). */
    Entry get(String user) {
        if (!enabled()) {
            return null;
        }
        Entry e = byUser.get(user);
        if (e != null) {
            e.referenced = true;
        }
        return e;
    }

    /** The user's cached entry or null, without counting or marking it (for the background TTL). */
    Entry peek(String user) {
        return enabled() ? byUser.get(user) : null;
    }

    /**
     * An entry not in the cache whose window the caller fills after a miss, then hands to {@link #store}. Its
     * window's content is undefined (the caller clears or overwrites it).
     */
    Entry take() {
        Entry e = spare;
        if (e == null) {
            e = new Entry(new UserWindow(windowCapacity + 1));
            if (!enabled()) {
                spare = e; // disabled: one entry, reused for every event
            }
        } else if (enabled()) {
            spare = null;
        }
        return e;
    }

    /**
     * Records {@code e}'s window as the user's current one, after the event changed it (or a miss read it): caches
     * it, or re-estimates its bytes when it already is, then evicts others while over the budget. A window too
     * large for the budget on its own is not kept.
     */
    void store(String user, Entry e) {
        if (!enabled()) {
            return;
        }
        long size = ENTRY_OVERHEAD_BYTES + 2L * user.length() + e.window.retainedBytes();
        if (e.slot < 0) {
            e.user = user;
            e.referenced = false;
            Entry previous = byUser.put(user, e);
            if (previous != null) {
                // cannot happen through the updater (it stores only after a miss); keep the accounting right anyway
                unlink(previous);
            }
            if (count == ring.length) {
                ring = java.util.Arrays.copyOf(ring, count * 2);
            }
            e.slot = count;
            ring[count++] = e;
        } else {
            bytes -= e.bytes;
        }
        e.bytes = size;
        bytes += size;
        while (bytes > budgetBytes && count > 0) {
            evictOne(e);
        }
    }

    /** Forgets the user (its state was cleared). */
    void remove(String user) {
        if (!enabled()) {
            return;
        }
        Entry e = byUser.remove(user);
        if (e != null) {
            unlink(e);
            recycle(e);
        }
    }

    /** Forgets every user (the state changed under all of them, as a model refresh does). */
    void clear() {
        for (int i = 0; i < count; i++) {
            ring[i].slot = -1;
            ring[i] = null;
        }
        byUser.clear();
        count = 0;
        hand = 0;
        bytes = 0;
    }

    int size() {
        return count;
    }

    long bytes() {
        return bytes;
    }

    long evictions() {
        return evictions;
    }

    /**
     * Evicts one entry by the clock: entries used since the hand last passed get a second chance; {@code keep}
     * (the entry being stored) goes only when it is the last one left.
     */
    private void evictOne(Entry keep) {
        while (true) {
            if (hand >= count) {
                hand = 0;
            }
            Entry candidate = ring[hand];
            if (candidate == keep && count > 1) {
                hand++;
                continue;
            }
            if (candidate.referenced && candidate != keep) {
                candidate.referenced = false;
                hand++;
                continue;
            }
            byUser.remove(candidate.user);
            unlink(candidate);
            recycle(candidate);
            evictions++;
            return;
        }
    }

    /** Takes the entry out of the ring (the last entry moves into its slot) and out of the byte count. */
    private void unlink(Entry e) {
        int at = e.slot;
        Entry last = ring[--count];
        ring[at] = last;
        last.slot = at;
        ring[count] = null;
        e.slot = -1;
        bytes -= e.bytes;
        e.bytes = 0;
        e.user = null;
    }

    private void recycle(Entry e) {
        if (spare == null) {
            spare = e;
        }
    }
}
