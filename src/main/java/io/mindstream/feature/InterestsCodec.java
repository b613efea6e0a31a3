package io.mindstream.feature;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The binary value of the {@code interests} field: an 8-byte header and K' x d float32, little-endian.
 *
 * <pre>
 * offset 0  'M' 'I'          magic, so a wrong field or foreign value is recognised
 * offset 2  u8  version (1)
 * offset 3  u8  reserved (0)
 * offset 4  u16 count K'     little-endian
 * offset 6  u16 dim d        little-endian
 * offset 8  K' x d float32   little-endian IEEE 754, row-major (interest 0 first)
 * </pre>
 *
 * <p>The floats are their raw bits ({@link Float#floatToRawIntBits}), so every value, NaN payloads and -0.0
 * included, round-trips exactly. The 8-byte header keeps the floats 4-byte aligned for zero-copy readers
 * ({@code numpy.frombuffer(b, '<f4', offset=8)}).
 */
public final class InterestsCodec {

    public static final int HEADER_BYTES = 8;
    public static final int VERSION = 1;
    /** Largest K' and d the header can carry. */
    public static final int MAX_EXTENT = 0xFFFF;

    private static final byte MAGIC_0 = 'M';
    private static final byte MAGIC_1 = 'I';

    private InterestsCodec() {
    }

    /** Decoded interests: K', d and the row-major floats. */
    public record Decoded(int count, int dim, float[] vectors) {
    }

    /** Rejects shapes the encoding cannot carry or that do not match the float count. */
    public static void checkShape(int count, int dim, int floats) {
        if (count < 0 || count > MAX_EXTENT) {
            throw new IllegalArgumentException("interest count must be in [0, " + MAX_EXTENT + "], got " + count);
        }
        if (dim < 0 || dim > MAX_EXTENT) {
            throw new IllegalArgumentException("interest dim must be in [0, " + MAX_EXTENT + "], got " + dim);
        }
        if ((long) count * dim != floats) {
            throw new IllegalArgumentException("vectors has " + floats + " floats, expected " + count + " x " + dim);
        }
    }

    /** Encoded size in bytes of K' x d interests. */
    public static int encodedSize(int count, int dim) {
        return HEADER_BYTES + 4 * count * dim;
    }

    public static byte[] encode(int count, int dim, float[] vectors) {
        checkShape(count, dim, vectors.length);
        ByteBuffer out = ByteBuffer.allocate(encodedSize(count, dim)).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC_0).put(MAGIC_1).put((byte) VERSION).put((byte) 0);
        out.putShort((short) count).putShort((short) dim);
        for (float v : vectors) {
            out.putInt(Float.floatToRawIntBits(v));
        }
        return out.array();
    }

    public static Decoded decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_BYTES) {
            throw new IllegalArgumentException("interests value has " + (bytes == null ? 0 : bytes.length)
                    + " bytes, shorter than the " + HEADER_BYTES + "-byte header");
        }
        if (bytes[0] != MAGIC_0 || bytes[1] != MAGIC_1) {
            throw new IllegalArgumentException("interests value does not start with the magic 'MI'");
        }
        if (bytes[2] != VERSION) {
            throw new IllegalArgumentException("interests value has format version " + (bytes[2] & 0xFF)
                    + ", this reader knows version " + VERSION);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int count = Short.toUnsignedInt(in.getShort(4));
        int dim = Short.toUnsignedInt(in.getShort(6));
        if (bytes.length != encodedSize(count, dim)) {
            throw new IllegalArgumentException("interests value has " + bytes.length + " bytes, its header ("
                    + count + " x " + dim + ") needs " + encodedSize(count, dim));
        }
        float[] vectors = new float[count * dim];
        in.position(HEADER_BYTES);
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = Float.intBitsToFloat(in.getInt());
        }
        return new Decoded(count, dim, vectors);
    }
}
