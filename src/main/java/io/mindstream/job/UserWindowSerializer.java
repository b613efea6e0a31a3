package io.mindstream.job;

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
 * byte so the layout can evolve value by value without a state migration: values are written in format 2, and
 * format 1 (written by earlier versions) is still read. Format 2:
 * <pre>
 *   1       format (2)
 *   varlong update_seq
 *   varlong last_event_at (processing time, epoch millis)
 *   varint  size
 *   8       ts of the oldest behaviour (only when size > 0)
 *   per behaviour, oldest first:
 *     varlong ts minus the previous ts (0 for the first; never negative: the window is ordered)
 *     string  item id          (varint UTF-8 byte length + 1, then the UTF-8 bytes)
 *     string  event_id or null (same; a single 0 byte for null)
 * </pre>
 * Format 1 is the same except for the strings, which are in Flink's StringValue encoding (varint char count + 1,
 * then each char as a varint). Both cost length + 1 bytes for an ASCII id, but format 2 moves each id as one
 * block of bytes, where StringValue reads and writes it one char at a time: on the per-event path (every event
 * reads and writes the whole window) that was the largest cost after routing (docs/BENCHMARKS.md).
 * A click a few seconds after the previous one costs 2-3 bytes of ts.
 */
public final class UserWindowSerializer extends TypeSerializerSingleton<UserWindow> {

    private static final long serialVersionUID = 1L;
    public static final UserWindowSerializer INSTANCE = new UserWindowSerializer();
    static final int FORMAT = 2;
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
        out.writeByte(FORMAT);
        writeVarLong(out, w.updateSeq());
        writeVarLong(out, w.lastEventAt());
        int size = w.size();
        writeVarLong(out, size);
        if (size == 0) {
            return;
        }
        long prev = w.ts(0);
        out.writeLong(prev);
        for (int i = 0; i < size; i++) {
            long t = w.ts(i);
            writeVarLong(out, t - prev);
            prev = t;
            writeString(w.item(i), out);
            writeString(w.eventId(i), out);
        }
    }

    @Override
    public UserWindow deserialize(DataInputView in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT && format != FORMAT_STRING_VALUE) {
            throw new IOException("unknown UserWindow state format " + format);
        }
        long seq = readVarLong(in);
        long lastEventAt = readVarLong(in);
        long sizeL = readVarLong(in);
        if (sizeL < 0 || sizeL > Integer.MAX_VALUE - 8) {
            throw new IOException("corrupt UserWindow state: size " + sizeL);
        }
        int size = (int) sizeL;
        UserWindow w = new UserWindow(Math.max(1, size));
        w.setUpdateSeq(seq);
        w.setLastEventAt(lastEventAt);
        if (size > 0) {
            long t = in.readLong();
            boolean utf8 = format == FORMAT;
            for (int i = 0; i < size; i++) {
                t += readVarLong(in);
                String item = utf8 ? readString(in) : StringValue.readString(in);
                String eventId = utf8 ? readString(in) : StringValue.readString(in);
                w.append(item, t, eventId);
            }
        }
        return w;
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

    static String readString(DataInputView in) throws IOException {
        long n = readVarLong(in);
        if (n == 0) {
            return null;
        }
        if (n > MAX_STRING_BYTES + 1) {
            throw new IOException("corrupt UserWindow state: string of " + (n - 1) + " bytes");
        }
        byte[] b = new byte[(int) (n - 1)];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
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
