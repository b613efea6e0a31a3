package io.mindstream.job;

import io.mindstream.model.ItemIndex;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The explicit serializer of {@link UserWindow} (no Kryo, no reflection). Every value starts with a format
 * byte so the layout can evolve value by value without a state migration: values are written in format 4, and
 * formats 1 to 3 (written by earlier versions) are still read. Format 4:
 * <pre>
 *   1       format (4)
 *   varlong update_seq
 *   varlong last_event_at (processing time, epoch millis)
 *   varint  size
 *   8       ts of the oldest behaviour (only when size > 0)
 *   8       row tag (only when size > 0): the vocabulary ({@code ItemIndex.fingerprint()}) the rows below were
 *           resolved under, 0 when no rows follow
 *   1       1 when some behaviour has an event_id, else 0 (only when size > 0)
 *   per behaviour, oldest first:
 *     varlong ts minus the previous ts (0 for the first; never negative: the window is ordered)
 *     string  item id          (varint UTF-8 byte length + 1, then the UTF-8 bytes)
 *     8       the event_id's key ({@link UserWindow#eventKey(byte[], int, int)}), 0 for none; only when the
 *             flag above is 1
 *     varint  row + 1 (0: the model does not know the item), only when the row tag is not 0
 * </pre>
 * Format 3 has the event_id itself where format 4 has its key (a string, a single 0 byte for null); reading it
 * computes the key. Keys instead of ids make a snapshot ~11 bytes per behaviour smaller, and let the window cache,
 * which keeps keys and rows but no ids, write a snapshot of a window whose items the model knows without reading
 * the state ({@link #serialize(CachedWindow, ItemIndex, DataOutputView)}).
 * The rows spare the next event the lookup of every id in the window while the model's vocabulary stays the
 * same; they are a cache, checked against the current model's fingerprint, never trusted across vocabularies.
 * Format 2 is format 3 without the row tag and the rows.
 * Format 1 is the same except for the strings, which are in Flink's StringValue encoding (varint char count + 1,
 * then each char as a varint). Both cost length + 1 bytes for an ASCII id, but format 2 moves each id as one
 * block of bytes, where StringValue reads and writes it one char at a time: on the per-event path (every event
 * reads and writes the whole window) that was the largest cost after routing (docs/BENCHMARKS.md).
 * A click a few seconds after the previous one costs 2-3 bytes of ts.
 */
public final class UserWindowSerializer extends TypeSerializerSingleton<UserWindow> {

    private static final long serialVersionUID = 1L;
    public static final UserWindowSerializer INSTANCE = new UserWindowSerializer();
    static final int FORMAT = 4;
    /** The format with event ids instead of their keys. Read only. */
    static final int FORMAT_EVENT_IDS = 3;
    /** The format before resolved rows were kept. Read only. */
    static final int FORMAT_NO_ROWS = 2;
    /** The format of the first release: StringValue-encoded strings. Read only. */
    static final int FORMAT_STRING_VALUE = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public UserWindow createInstance() {
        return new UserWindow();
    }

    @Override
    public UserWindow copy(UserWindow from) {
        return from.copy();
    }

    @Override
    public UserWindow copy(UserWindow from, UserWindow reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(UserWindow w, DataOutputView out) throws IOException {
        int size = w.size();
        boolean keys = false;
        for (int i = 0; i < size && !keys; i++) {
            keys = w.eventKey(i) != UserWindow.NO_EVENT;
        }
        long rowTag = size == 0 ? 0 : w.commonRowTag();
        long prev = size == 0 ? 0 : w.ts(0);
        writeHead(out, w.updateSeq(), w.lastEventAt(), size, prev, rowTag, keys);
        for (int i = 0; i < size; i++) {
            long t = w.ts(i);
            writeVarLong(out, t - prev);
            prev = t;
            writeBytes(w.idBytes(), w.idOffset(i), w.idLength(i), out);
            if (keys) {
                out.writeLong(w.eventKey(i));
            }
            if (rowTag != 0) {
                writeVarLong(out, w.row(i) + 1L);
            }
        }
    }

    /**
     * Writes a cached window as {@link #serialize(UserWindow, DataOutputView)} writes the window it caches, the
     * item ids taken from {@code index}, the vocabulary its rows were resolved under. The bytes are the same as
     * those of the decoded window with every row resolved (a test holds them equal).
     *
     * @return false, having written nothing, when some item is unknown to {@code index} (its id is only in the
     *         state) or the rows were resolved under another vocabulary
     */
    static boolean serialize(CachedWindow w, ItemIndex index, DataOutputView out) throws IOException {
        int size = w.size();
        if (size > 0 && w.rowTag() != index.fingerprint() || !w.allRowsKnown()) {
            return false;
        }
        boolean keys = false;
        for (int i = 0; i < size && !keys; i++) {
            keys = w.eventKey(i) != UserWindow.NO_EVENT;
        }
        long prev = size == 0 ? 0 : w.ts(0);
        writeHead(out, w.updateSeq(), w.lastEventAt(), size, prev, index.fingerprint(), keys);
        for (int i = 0; i < size; i++) {
            long t = w.ts(i);
            writeVarLong(out, t - prev);
            prev = t;
            int row = w.row(i);
            writeVarLong(out, index.idByteLength(row) + 1L);
            index.writeIdBytes(row, out);
            if (keys) {
                out.writeLong(w.eventKey(i));
            }
            writeVarLong(out, row + 1L);
        }
        return true;
    }

    /** The fields before the behaviours, in the current format; the last three only for a non-empty window. */
    private static void writeHead(DataOutputView out, long updateSeq, long lastEventAt, int size, long oldestTs,
                                  long rowTag, boolean keys) throws IOException {
        out.writeByte(FORMAT);
        writeVarLong(out, updateSeq);
        writeVarLong(out, lastEventAt);
        writeVarLong(out, size);
        if (size > 0) {
            out.writeLong(oldestTs);
            out.writeLong(rowTag);
            out.writeByte(keys ? 1 : 0);
        }
    }

    @Override
    public UserWindow deserialize(DataInputView in) throws IOException {
        UserWindow w = new UserWindow();
        deserializeInto(in, w);
        return w;
    }

    /** Reads a window into {@code w}, which must be empty; reuses its arrays. */
    void deserializeInto(DataInputView in, UserWindow w) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT && format != FORMAT_EVENT_IDS && format != FORMAT_NO_ROWS
                && format != FORMAT_STRING_VALUE) {
            throw new IOException("unknown UserWindow state format " + format);
        }
        long seq = readVarLong(in);
        long lastEventAt = readVarLong(in);
        long sizeL = readVarLong(in);
        if (sizeL < 0 || sizeL > Integer.MAX_VALUE - 8) {
            throw new IOException("corrupt UserWindow state: size " + sizeL);
        }
        int size = (int) sizeL;
        w.setUpdateSeq(seq);
        w.setLastEventAt(lastEventAt);
        if (size > 0) {
            long t = in.readLong();
            long rowTag = format == FORMAT || format == FORMAT_EVENT_IDS ? in.readLong() : 0;
            boolean keys = format == FORMAT && readKeysFlag(in.readUnsignedByte());
            for (int i = 0; i < size; i++) {
                t += readVarLong(in);
                if (format != FORMAT_STRING_VALUE) {
                    // straight into the window's arena: no string, no array per id
                    int itemLength = readLength(in);
                    if (itemLength < 0) {
                        throw new IOException("corrupt UserWindow state: behaviour " + i + " has no item id");
                    }
                    int at = w.appendReserved(t, itemLength, UserWindow.NO_EVENT);
                    in.readFully(w.idBytes(), at, itemLength);
                    if (format == FORMAT) {
                        if (keys) {
                            w.setLastEventKey(in.readLong());
                        }
                    } else {
                        int eventLength = readLength(in);
                        if (eventLength >= 0) {
                            byte[] id = new byte[eventLength];
                            in.readFully(id);
                            w.setLastEventKey(UserWindow.eventKey(id, 0, eventLength));
                        }
                    }
                    if (rowTag != 0) {
                        w.setLastRow(readRow(in), rowTag);
                    }
                } else {
                    String item = StringValue.readString(in);
                    String eventId = StringValue.readString(in);
                    if (item == null) {
                        throw new IOException("corrupt UserWindow state: behaviour " + i + " has no item id");
                    }
                    w.append(item, t, eventId);
                }
            }
        }
    }

    @Override
    public UserWindow deserialize(UserWindow reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<UserWindow> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration; the snapshot only restores the same serializer. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UserWindow> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** varint (UTF-8 byte length + 1), 0 for null, then the bytes. */
    static void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeByte(0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarLong(out, b.length + 1L);
        out.write(b);
    }

    /**
     * Reads a window of format 2, 3 or 4 from the whole of {@code b} into {@code w}, which must be empty: the
     * per-event path (a snapshot entry of the log is a byte array), decoding from the array with one cursor instead
     * of a call per byte through {@link DataInputView}. Same result as {@link #deserializeInto}, which handles every
     * format and is what this falls back to for format 1.
     */
    void readInto(byte[] b, UserWindow w) throws IOException {
        int format = b.length == 0 ? -1 : b[0] & 0xFF;
        if (format != FORMAT && format != FORMAT_EVENT_IDS && format != FORMAT_NO_ROWS) {
            deserializeInto(new org.apache.flink.core.memory.DataInputDeserializer(b), w);
            return;
        }
        try {
            int[] pos = {1};
            long seq = varLong(b, pos);
            long lastEventAt = varLong(b, pos);
            long sizeL = varLong(b, pos);
            if (sizeL < 0 || sizeL > b.length) {
                throw new IOException("corrupt UserWindow state: size " + sizeL);
            }
            int size = (int) sizeL;
            w.setUpdateSeq(seq);
            w.setLastEventAt(lastEventAt);
            if (size == 0) {
                return;
            }
            // the ids take at most what is left of the value: one arena check instead of one per behaviour
            w.ensureArena(b.length - pos[0]);
            w.ensureCapacity(size);
            long t = (long) LONGS.get(b, pos[0]);
            pos[0] += 8;
            long rowTag = 0;
            if (format == FORMAT || format == FORMAT_EVENT_IDS) {
                rowTag = (long) LONGS.get(b, pos[0]);
                pos[0] += 8;
            }
            boolean keys = format == FORMAT && readKeysFlag(b[pos[0]++]);
            for (int i = 0; i < size; i++) {
                t += varLong(b, pos);
                int itemLength = length(b, pos);
                if (itemLength < 0) {
                    throw new IOException("corrupt UserWindow state: behaviour " + i + " has no item id");
                }
                int itemAt = pos[0];
                pos[0] = Math.addExact(itemAt, itemLength);
                long eventKey;
                if (format == FORMAT) {
                    eventKey = UserWindow.NO_EVENT;
                    if (keys) {
                        eventKey = (long) LONGS.get(b, pos[0]);
                        pos[0] += 8;
                    }
                } else {
                    int eventLength = length(b, pos);
                    int eventAt = pos[0];
                    if (eventLength >= 0) {
                        pos[0] = Math.addExact(eventAt, eventLength);
                    }
                    if (pos[0] > b.length) {
                        throw new IOException("corrupt UserWindow state: behaviour " + i + " ends beyond the value");
                    }
                    eventKey = eventLength < 0 ? UserWindow.NO_EVENT : UserWindow.eventKey(b, eventAt, eventLength);
                }
                if (pos[0] > b.length) {
                    throw new IOException("corrupt UserWindow state: behaviour " + i + " ends beyond the value");
                }
                w.appendCopy(t, b, itemAt, itemLength, eventKey);
                if (rowTag != 0) {
                    long row = varLong(b, pos) - 1;
                    if (row < -1 || row > Integer.MAX_VALUE) {
                        throw new IOException("corrupt UserWindow state: row " + row);
                    }
                    w.setLastRow((int) row, rowTag);
                }
            }
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            throw new IOException("corrupt UserWindow state: truncated", e);
        }
    }

    private static boolean readKeysFlag(int flag) throws IOException {
        if (flag != 0 && flag != 1) {
            throw new IOException("corrupt UserWindow state: event-key flag " + flag);
        }
        return flag == 1;
    }

    private static long varLong(byte[] b, int[] pos) throws IOException {
        int p = pos[0];
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int x = b[p++];
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                pos[0] = p;
                return v;
            }
        }
        throw new IOException("corrupt varint in UserWindow state");
    }

    private static int length(byte[] b, int[] pos) throws IOException {
        long n = varLong(b, pos);
        if (n == 0) {
            return -1;
        }
        if (n > MAX_STRING_BYTES + 1 || n < 0) {
            throw new IOException("corrupt UserWindow state: string of " + (n - 1) + " bytes");
        }
        return (int) (n - 1);
    }

    /** Big-endian, as {@link DataOutputView#writeLong} writes. */
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /** A row written as varint row + 1; -1 for an unknown item. */
    static int readRow(DataInputView in) throws IOException {
        long v = readVarLong(in);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IOException("corrupt UserWindow state: row " + (v - 1));
        }
        return (int) v - 1;
    }

    /** {@link #writeString} from a UTF-8 slice; {@code len} -1 writes null. */
    static void writeBytes(byte[] b, int off, int len, DataOutputView out) throws IOException {
        if (len < 0) {
            out.writeByte(0);
            return;
        }
        writeVarLong(out, len + 1L);
        out.write(b, off, len);
    }

    /** The byte length of a string written by {@link #writeString}, -1 for null; the bytes follow. */
    static int readLength(DataInputView in) throws IOException {
        long n = readVarLong(in);
        if (n == 0) {
            return -1;
        }
        if (n > MAX_STRING_BYTES + 1 || n < 0) {
            throw new IOException("corrupt UserWindow state: string of " + (n - 1) + " bytes");
        }
        return (int) (n - 1);
    }

    /** Ids are bounded far below this by the parser; anything larger is corruption. */
    private static final int MAX_STRING_BYTES = 1 << 20;

    static void writeVarLong(DataOutputView out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long readVarLong(DataInputView in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("corrupt varint in UserWindow state");
    }
}
