package io.mindstream.job;

import io.mindstream.model.ItemIndex;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * The keyed state layout of a user's window: an append-only log instead of one value rewritten per event.
 *
 * <p>The state is a list of entries: first a <b>snapshot</b> of the whole window ({@link UserWindowSerializer}
 * bytes), then one <b>delta</b> per accepted event since that snapshot. An event appends its delta with
 * {@code ListState.add}, which RocksDB executes as a merge of a few dozen bytes, where rewriting the window would
 * put ~3 KB per event; every {@link #COMPACT_EVERY} deltas the log is replaced by a fresh snapshot. Reading the
 * window replays the deltas onto the snapshot with the same {@link UserWindow#insert} the event itself went
 * through, so the replayed window is exactly the window the job would have held. This cuts the bytes RocksDB
 * writes per event (and so its flushes and compactions, which otherwise took most of a core) about 20-fold;
 * docs/BENCHMARKS.md has the figures.
 *
 * <p>Delta layout:
 * <pre>
 *   1       tag (0x10)
 *   varlong update_seq after the event
 *   varlong last_event_at after the event (processing time, epoch millis)
 *   varlong ts of the behaviour
 *   string  item id          (varint UTF-8 byte length + 1, then the bytes)
 *   string  event_id or null (same; a single 0 byte for null)
 *   8       row tag: the vocabulary the row was resolved under, 0 when none follows
 *   varint  row + 1 (0: the model does not know the item), only when the row tag is not 0
 * </pre>
 * A <b>batch</b> entry holds the deltas of several events in order: a tag (0x11), then their delta encodings one
 * after the other. The window cache writes the events a user had since its last write as one batch (one RocksDB
 * merge, one list element). A snapshot entry starts with the window's format byte (1 to 4), so the first byte
 * tells the kinds apart. A delta carries the event id itself; the window keeps its key.
 */
public final class WindowLog {

    /** Deltas after which an event writes a snapshot instead of one more delta. */
    public static final int COMPACT_EVERY = 32;

    static final int DELTA = 0x10;
    static final int BATCH = 0x11;

    /** The keyed state: no Flink TTL (it would expire entries one by one); the updater's timers clean up. */
    public static ListStateDescriptor<byte[]> descriptor() {
        return new ListStateDescriptor<>("behaviour-log", BytePrimitiveArraySerializer.INSTANCE);
    }

    private final DataOutputSerializer out = new DataOutputSerializer(4096);
    private final DataInputDeserializer in = new DataInputDeserializer();

    /** The snapshot entry of {@code w}. */
    public byte[] snapshot(UserWindow w) {
        out.clear();
        try {
            UserWindowSerializer.INSTANCE.serialize(w, out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: in-memory output", e);
        }
        return out.getCopyOfBuffer();
    }

    /**
     * The snapshot entry of a cached window, the item ids from {@code index}: the same bytes as
     * {@link #snapshot(UserWindow)} of the window it caches, or null when some item is unknown to {@code index}
     * (its id is only in the state).
     */
    public byte[] snapshot(CachedWindow w, ItemIndex index) {
        out.clear();
        try {
            return UserWindowSerializer.serialize(w, index, out) ? out.getCopyOfBuffer() : null;
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: in-memory output", e);
        }
    }

    /**
     * The delta entry of an event just inserted into a window whose counter and clock are now as given; ids as
     * UTF-8, {@code eventId} null for none; the item's row under the vocabulary {@code rowTag} (0: unresolved).
     */
    public byte[] delta(byte[] item, long ts, byte[] eventId, long updateSeq, long lastEventAt, int row,
                        long rowTag) {
        out.clear();
        writeDelta(out, item, ts, eventId, updateSeq, lastEventAt, row, rowTag);
        return out.getCopyOfBuffer();
    }

    /**
     * Appends the delta entry of an event (as {@link #delta}) to {@code batch}, which starts a batch entry: empty
     * before the first delta, which then gets the batch tag first. See {@link #batchEntry}.
     */
    public static void appendDelta(DataOutputSerializer batch, byte[] item, long ts, byte[] eventId, long updateSeq,
                                   long lastEventAt, int row, long rowTag) {
        if (batch.length() == 0) {
            try {
                batch.writeByte(BATCH);
            } catch (IOException e) {
                throw new IllegalStateException("cannot happen: in-memory output", e);
            }
        }
        writeDelta(batch, item, ts, eventId, updateSeq, lastEventAt, row, rowTag);
    }

    private static void writeDelta(DataOutputSerializer out, byte[] item, long ts, byte[] eventId, long updateSeq,
                                   long lastEventAt, int row, long rowTag) {
        try {
            out.writeByte(DELTA);
            UserWindowSerializer.writeVarLong(out, updateSeq);
            UserWindowSerializer.writeVarLong(out, lastEventAt);
            UserWindowSerializer.writeVarLong(out, ts);
            UserWindowSerializer.writeBytes(item, 0, item.length, out);
            UserWindowSerializer.writeBytes(eventId, 0, eventId == null ? -1 : eventId.length, out);
            out.writeLong(rowTag);
            if (rowTag != 0) {
                UserWindowSerializer.writeVarLong(out, row + 1L);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: in-memory output", e);
        }
    }

    /**
     * The log entry for the {@code count} deltas appended to {@code batch}: a plain delta entry for one, so that
     * an event written alone reads as before; a batch entry otherwise.
     */
    public static byte[] batchEntry(DataOutputSerializer batch, int count) {
        byte[] b = batch.getSharedBuffer();
        return count == 1 ? Arrays.copyOfRange(b, 1, batch.length()) : Arrays.copyOf(b, batch.length());
    }

    /**
     * Rebuilds the window from the entries into {@code into} (cleared first).
     *
     * @param entries  the list state's content; null or empty for a user without state
     * @param capacity the window capacity the events were inserted with
     * @return the number of deltas after the snapshot, or -1 when there was no state
     * @throws IOException when the entries are corrupt (no snapshot first, unknown tag, bad encoding)
     */
    public int read(Iterable<byte[]> entries, UserWindow into, int capacity) throws IOException {
        into.clear();
        if (entries == null) {
            return -1;
        }
        Iterator<byte[]> it = entries.iterator();
        if (!it.hasNext()) {
            return -1;
        }
        UserWindowSerializer.INSTANCE.readInto(it.next(), into);
        if (entries instanceof Collection<?> c) {
            // room for the replay (one delta per entry at least) and the next event's insert
            into.ensureCapacity(into.size() + c.size());
        }
        int deltas = 0;
        int entry = 0;
        while (it.hasNext()) {
            byte[] d = it.next();
            entry++;
            in.setBuffer(d);
            int tag = in.readUnsignedByte();
            if (tag == BATCH) {
                if (in.available() == 0) {
                    throw new IOException("corrupt behaviour log: entry " + entry + " is an empty batch");
                }
                while (in.available() > 0) {
                    if (in.readUnsignedByte() != DELTA) {
                        throw new IOException("corrupt behaviour log: entry " + entry + " has a batch with a "
                                + "non-delta after " + deltas + " deltas");
                    }
                    replay(d, into, entry);
                    deltas++;
                }
            } else if (tag == DELTA) {
                replay(d, into, entry);
                deltas++;
            } else {
                throw new IOException("corrupt behaviour log: entry " + entry + " has tag " + tag);
            }
        }
        into.trimTo(capacity);
        return deltas;
    }

    /** Inserts the delta whose body (after its tag) {@link #in} is at, from the entry {@code d}. */
    private void replay(byte[] d, UserWindow into, int entry) throws IOException {
        long seq = UserWindowSerializer.readVarLong(in);
        long at = UserWindowSerializer.readVarLong(in);
        long ts = UserWindowSerializer.readVarLong(in);
        int itemLength = UserWindowSerializer.readLength(in);
        if (itemLength < 0) {
            throw new IOException("corrupt behaviour log: entry " + entry + " has a delta without an item");
        }
        int itemAt = in.getPosition();
        in.skipBytesToRead(itemLength);
        int eventLength = UserWindowSerializer.readLength(in);
        int eventAt = in.getPosition();
        if (eventLength > 0) {
            in.skipBytesToRead(eventLength);
        }
        long eventKey = eventLength < 0 ? UserWindow.NO_EVENT : UserWindow.eventKey(d, eventAt, eventLength);
        long rowTag = in.readLong();
        int row = rowTag == 0 ? -1 : UserWindowSerializer.readRow(in);
        // the item id is copied from the entry itself into the window's arena. No trimming per delta: the window
        // keeps the newest `capacity` behaviours by (ts, arrival), whether the oldest leave one at a time or at
        // the end, and trimming once spares shifting the whole window for every delta.
        into.insert(d, itemAt, itemLength, ts, eventKey, row, rowTag, Integer.MAX_VALUE);
        into.setUpdateSeq(seq);
        into.setLastEventAt(at);
    }

    /** The list state value holding only a snapshot of {@code w}. */
    public List<byte[]> snapshotList(UserWindow w) {
        return List.of(snapshot(w));
    }
}
