package io.mindstream.event;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The compact binary encoding of an update, little-endian throughout so that the float block can be read
 * directly into a float array on common hardware (layout in docs/EVENTS.md):
 * <pre>
 *  0  4  magic "MIUP"
 *  4  1  format version (1)
 *  5  1  flags: bit 0 = event_id present, bit 1 = cause is a model refresh
 *  6  2  K' (u16)
 *  8  2  d (u16)
 * 10  4  sequence_length (u32)
 * 14  4  unknown_items (u32)
 * 18  8  update_seq (i64)
 * 26  8  event_ts (i64, epoch ms)
 * 34  8  updated_at (i64, epoch ms)
 * 42     user_id, model_version, [event_id]: each u16 byte length + UTF-8
 *  ..    K' x d float32, row-major
 * </pre>
 */
public final class BinaryInterestCodec implements InterestCodec {

    public static final int MAGIC = 0x5055494D; // "MIUP" read as a little-endian int
    public static final byte VERSION = 1;
    public static final int HEADER_BYTES = 42;

    @Override
    public byte[] encode(InterestUpdate u) {
        byte[] user = u.userId().getBytes(StandardCharsets.UTF_8);
        byte[] version = u.modelVersion().getBytes(StandardCharsets.UTF_8);
        byte[] event = u.eventId() == null ? null : u.eventId().getBytes(StandardCharsets.UTF_8);
        int size = HEADER_BYTES + 2 + user.length + 2 + version.length + (event == null ? 0 : 2 + event.length)
                + 4 * u.vectors().length;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put(VERSION);
        int flags = (event == null ? 0 : 1) | (u.cause() == InterestUpdate.Cause.MODEL ? 2 : 0);
        b.put((byte) flags);
        b.putShort(u16(u.count(), "K'")).putShort(u16(u.dim(), "d"));
        b.putInt(u.sequenceLength()).putInt(u.unknownItems());
        b.putLong(u.updateSeq()).putLong(u.eventTs()).putLong(u.updatedAt());
        putString(b, user);
        putString(b, version);
        if (event != null) {
            putString(b, event);
        }
        b.asFloatBuffer().put(u.vectors());
        return b.array();
    }

    @Override
    public InterestUpdate decode(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != MAGIC) {
                throw new IllegalArgumentException("not a binary interest update (bad magic)");
            }
            byte v = b.get();
            if (v != VERSION) {
                throw new IllegalArgumentException("unsupported binary interest update version " + v);
            }
            int flags = b.get();
            int k = Short.toUnsignedInt(b.getShort());
            int d = Short.toUnsignedInt(b.getShort());
            int n = b.getInt();
            int unknown = b.getInt();
            long seq = b.getLong();
            long eventTs = b.getLong();
            long updatedAt = b.getLong();
            String user = getString(b);
            String version = getString(b);
            String event = (flags & 1) != 0 ? getString(b) : null;
            // k and d come from the record: check them against its actual length before allocating anything
            long floatBytes = 4L * k * d;
            if (b.remaining() != floatBytes) {
                throw new IllegalArgumentException("expected " + floatBytes + " bytes of floats (K' " + k + " x d " + d
                        + "), found " + b.remaining());
            }
            float[] vectors = new float[k * d];
            b.asFloatBuffer().get(vectors);
            return new InterestUpdate(user, version, k, d, vectors,
                    (flags & 2) != 0 ? InterestUpdate.Cause.MODEL : InterestUpdate.Cause.EVENT, event, eventTs, n,
                    unknown, seq, updatedAt);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated binary interest update", e);
        }
    }

    private static short u16(int v, String what) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException(what + " = " + v + " does not fit 16 bits");
        }
        return (short) v;
    }

    private static void putString(ByteBuffer b, byte[] s) {
        b.putShort(u16(s.length, "string length"));
        b.put(s);
    }

    private static String getString(ByteBuffer b) {
        int len = Short.toUnsignedInt(b.getShort());
        if (len > b.remaining()) {
            throw new java.nio.BufferUnderflowException();
        }
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
