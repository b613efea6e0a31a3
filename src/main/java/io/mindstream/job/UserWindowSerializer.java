package io.mindstream.job;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;

/**
 * The explicit serializer of {@link UserWindow} (no Kryo, no reflection). Every value starts with a format
 * byte so the layout can evolve value by value without a state migration. Format 1:
 * <pre>
 *   1       format (1)
 *   varlong update_seq
 *   varlong last_event_at (processing time, epoch millis)
 *   varint  size
 *   8       ts of the oldest behaviour (only when size > 0)
 *   per behaviour, oldest first:
 *     varlong ts minus the previous ts (0 for the first; never negative: the window is ordered)
 *     string  item id          (Flink StringValue encoding: varint length + 1, then chars)
 *     string  event_id or null (StringValue encoding; a single 0 byte for null)
 * </pre>
 * A click a few seconds after the previous one costs 2-3 bytes of ts; ASCII ids cost their length + 1.
 */
public final class UserWindowSerializer extends TypeSerializerSingleton<UserWindow> {

    private static final long serialVersionUID = 1L;
    public static final UserWindowSerializer INSTANCE = new UserWindowSerializer();
    static final int FORMAT = 1;

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
            StringValue.writeString(w.item(i), out);
            StringValue.writeString(w.eventId(i), out);
        }
    }

    @Override
    public UserWindow deserialize(DataInputView in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT) {
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
            for (int i = 0; i < size; i++) {
                t += readVarLong(in);
                String item = StringValue.readString(in);
                String eventId = StringValue.readString(in);
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
