package io.mindstream.job;

import org.apache.flink.core.memory.DataOutputSerializer;

import java.util.HashMap;
import java.util.function.Consumer;

/**
 * A subtask's heap cache of user windows, in front of the keyed state.
 *
 * <p>Every event needs its user's whole window, and reading it from RocksDB (a merge {@code get} that collects the
 * log's snapshot and deltas, then the decoding) costs more than the routing itself. The cache keeps the windows of
 * recently active users in the compact form an event needs ({@link CachedWindow}: ts, model row and event-id key
 * per behaviour), so that a user's next event starts from the window the previous one left.
 *
 * <p>The keyed state stays the source of truth at every checkpoint. What an event changes is recorded in its
 * user's entry ({@link Entry#pending} deltas, after a {@link Entry#pendingSnapshot} when one replaces the log) and
 * written to the state by the updater: at once (<b>write-through</b>), or, when the updater can switch the keyed
 * state to another user, <b>write-back</b>: when the entry is evicted (through the {@code writeBack} callback,
 * before the entry is reused) and for every entry still dirty before each checkpoint or savepoint
 * ({@link #forEachDirty}). The updater writes a user's first event per checkpoint at once and batches the rest, so
 * a user's events between two checkpoints cost at most two state writes instead of one each (one for a user busy
 * in the previous interval, whose first event waits too). Whatever changes the
 * state without an event (the background TTL, a model refresh) removes the users concerned or clears the cache,
 * after writing them back; so does a model with another vocabulary, under which the cached rows no longer hold.
 * After a failure the operator instance is new and so is its cache, empty: the state it restores from holds every
 * event before the checkpoint.
 *
 * <p>Memory is bounded by an estimate of the bytes the cached windows retain (their arrays, their pending changes
 * and the bookkeeping per user), not by a count. Eviction is CLOCK (second chance): a hit only sets a flag, so the
 * hot path moves no list nodes, and an evicted entry's window is recycled for the next miss. The windows' arrays are
 * slots of a few large slabs (see {@link #newWindow()}); what the budget does not count is the unused rest of the
 * last slab (at most 5 MB). A budget of zero disables the cache: every event then reads its window from the state
 * into one reused entry and writes through.
 *
 * <p>Not thread-safe: one instance per operator instance, used from the task thread only.
 */
final class WindowCache {

    /** Per cached user besides the window's arrays: the entry, the hash map node and table slot, the ring slot, the key. */
    static final int ENTRY_OVERHEAD_BYTES = 160;

    /** Bytes an entry's batch of pending deltas retains besides its buffer: the serializer and the array header. */
    static final int PENDING_OVERHEAD_BYTES = 48;
    /** The initial buffer of an entry's batch of pending deltas: a delta or two; it grows as needed. */
    static final int PENDING_INITIAL_BYTES = 64;
    /** The ts of how many behaviours a slab holds (2 MB, over half a G1 region of heaps up to 8 GB). */
    static final int SLAB_LONGS = 1 << 18;

    /**
     * A user's cached window, the number of deltas its log holds after the last snapshot (counting those still
     * pending), and what the state has yet to get.
     */
    static final class Entry {
        final CachedWindow window;
        String user;
        int deltas;
        /**
         * The deltas of the user's events that the state has not got yet, oldest first, as one batch entry of the
         * log ({@link WindowLog#appendDelta}); the buffer stays with the entry and is reused.
         */
        final DataOutputSerializer pending = new DataOutputSerializer(PENDING_INITIAL_BYTES);
        int pendingCount;
        /**
         * A snapshot ({@link WindowLog#snapshot}) that is to replace the user's log, the {@link #pending} deltas
         * after it; null when the log stays and the deltas are appended to it.
         */
        byte[] pendingSnapshot;
        /**
         * The updater's write epoch (checkpoints so far) in which an event of this user was last written at once;
         * the user's later events in the same epoch wait in {@link #pending}.
         */
        long writtenInEpoch = -1;
        /** The last epoch with an event of this user, and how many events it had so far. */
        long activeEpoch = -1;
        int eventsInEpoch;
        /**
         * Whether the user had two or more events in the epoch before {@link #activeEpoch}: its entry is most likely
         * dirty at the next checkpoint anyway, so even its first event of an epoch waits for it.
         */
        boolean busy;
        boolean referenced;
        /** Position in the clock ring, or -1 when not cached. */
        int slot = -1;
        long bytes;

        Entry(CachedWindow window) {
            this.window = window;
        }

        /** Whether the state lacks some of this window's events. */
        boolean dirty() {
            return pendingSnapshot != null || pendingCount > 0;
        }

        /** Records the snapshot that is to replace the log: the pending deltas are part of it. */
        void snapshotDue(byte[] snapshot) {
            pending.clear();
            pendingCount = 0;
            pendingSnapshot = snapshot;
        }

        /** The state has got everything (or no longer needs it). */
        void clean() {
            pending.clear();
            pendingCount = 0;
            pendingSnapshot = null;
        }

        /** The heap the entry's pending changes retain. */
        long pendingBytes() {
            return PENDING_OVERHEAD_BYTES + pending.getSharedBuffer().length
                    + (pendingSnapshot == null ? 0 : 16 + pendingSnapshot.length);
        }
    }

    private final long budgetBytes;
    private final int windowCapacity;
    /** Writes a dirty entry's changes to the state before the entry is evicted. */
    private final Consumer<Entry> writeBack;
    private final HashMap<String, Entry> byUser = new HashMap<>();
    private Entry[] ring = new Entry[64];
    private int count;
    private int hand;
    private long bytes;
    /** Entries not in the cache, whose windows the next misses fill: recycled from evictions and removals. */
    private final java.util.ArrayDeque<Entry> free = new java.util.ArrayDeque<>();
    /** The slab that new windows get their slots from, and the next free slot in it. */
    private long[] slabTs;
    private int[] slabRows;
    private long[] slabKeys;
    private int slabNext;
    private final int slotsPerSlab;
    private long evictions;

    /** A cache whose entries are never dirty when evicted (the updater writes through). */
    WindowCache(long budgetBytes, int windowCapacity) {
        this(budgetBytes, windowCapacity, e -> {
            throw new IllegalStateException("a write-through cache evicted " + e.user + " with changes not written");
        });
    }

    /**
     * @param budgetBytes    the estimated heap the cached windows may retain; 0 disables the cache
     * @param windowCapacity the behaviours per window, to size new windows
     * @param writeBack      writes a dirty entry's changes to the state (and cleans the entry) before it is evicted
     */
    WindowCache(long budgetBytes, int windowCapacity, Consumer<Entry> writeBack) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("budgetBytes must not be negative, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
        this.windowCapacity = windowCapacity;
        this.writeBack = writeBack;
        int slot = windowCapacity + 1;
        this.slotsPerSlab = (int) Math.max(1, Math.min(SLAB_LONGS / slot, budgetBytes / (20L * slot) / 4));
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
        if (!enabled()) {
            // disabled: one entry, reused for every event
            if (free.isEmpty()) {
                free.add(new Entry(new CachedWindow(windowCapacity + 1)));
            }
            return free.peek();
        }
        Entry e = free.poll();
        return e != null ? e : new Entry(newWindow());
    }

    /**
     * A window in the next slot of the current slab, allocating a new slab when it is used up. The slabs are large
     * arrays (2 MB of ts), which G1 allocates straight into the old generation, and slots are never given back, only
     * reused with their entries: a growing cache adds nothing that young collections copy over and over, which an
     * array per window would (measured: longer pauses while the cache fills).
     */
    private CachedWindow newWindow() {
        int slot = windowCapacity + 1;
        if (slabTs == null || slabNext == slotsPerSlab) {
            slabTs = new long[slotsPerSlab * slot];
            slabRows = new int[slotsPerSlab * slot];
            slabKeys = new long[slotsPerSlab * slot];
            slabNext = 0;
        }
        return new CachedWindow(slabTs, slabRows, slabKeys, slot * slabNext++, slot);
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
        long size = ENTRY_OVERHEAD_BYTES + 2L * user.length() + e.window.retainedBytes() + e.pendingBytes();
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

    /** Forgets the user and its pending changes (its state was cleared). */
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

    /** Hands every entry whose changes the state has not got yet to {@code action}. */
    void forEachDirty(Consumer<Entry> action) {
        for (int i = 0; i < count; i++) {
            if (ring[i].dirty()) {
                action.accept(ring[i]);
            }
        }
    }

    /**
     * Forgets every user (the state changed under all of them, as a model refresh does); their changes must have
     * been written first.
     */
    void clear() {
        for (int i = 0; i < count; i++) {
            if (ring[i].dirty()) {
                throw new IllegalStateException("clearing the window cache with changes of " + ring[i].user
                        + " not written to the state");
            }
        }
        for (int i = 0; i < count; i++) {
            Entry e = ring[i];
            e.slot = -1;
            e.bytes = 0;
            e.user = null;
            recycle(e); // with its window's slot, for the next misses
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
            if (candidate.dirty()) {
                writeBack.accept(candidate);
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
        e.clean();
        e.writtenInEpoch = -1;
        e.activeEpoch = -1;
        e.eventsInEpoch = 0;
        e.busy = false;
        free.push(e);
    }
}
