package io.mindstream.feature;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterestsCodecTest {

    @Test
    void roundTripKeepsEveryFloatBitPattern() {
        float[] v = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
            Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x7fc00001),
            Float.intBitsToFloat(0xffa00000), 1f / 3f, -123.456e-20f};
        InterestsCodec.Decoded d = InterestsCodec.decode(InterestsCodec.encode(3, 4, v));
        assertEquals(3, d.count());
        assertEquals(4, d.dim());
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(d.vectors()[i]), "float " + i);
        }
    }

    @Test
    void randomVectorsRoundTrip() {
        Random random = new Random(42);
        float[] v = new float[8 * 64];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat(random.nextInt());
        }
        byte[] bytes = InterestsCodec.encode(8, 64, v);
        assertEquals(8 + 4 * 8 * 64, bytes.length);
        float[] back = InterestsCodec.decode(bytes).vectors();
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back[i]));
        }
    }

    @Test
    void layoutIsHeaderThenLittleEndianFloats() {
        byte[] bytes = InterestsCodec.encode(2, 1, new float[] {1.5f, -2f});
        assertArrayEquals(new byte[] {'M', 'I', 1, 0, 2, 0, 1, 0}, java.util.Arrays.copyOf(bytes, 8));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1.5f, b.getFloat(8));
        assertEquals(-2f, b.getFloat(12));
    }

    @Test
    void emptyInterestsAreEightBytes() {
        byte[] bytes = InterestsCodec.encode(0, 0, new float[0]);
        assertEquals(8, bytes.length);
        InterestsCodec.Decoded d = InterestsCodec.decode(bytes);
        assertEquals(0, d.count());
        assertEquals(0, d.vectors().length);
    }

    @Test
    void encodeRejectsShapeMismatch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InterestsCodec.encode(2, 3, new float[5]));
        assertTrue(e.getMessage().contains("2 x 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InterestsCodec.encode(70_000, 0, new float[0]));
    }

    @Test
    void decodeRejectsForeignOrTruncatedValues() {
        byte[] good = InterestsCodec.encode(1, 2, new float[] {1f, 2f});
        assertThrows(IllegalArgumentException.class, () -> InterestsCodec.decode(new byte[3]));
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InterestsCodec.decode(badMagic))
                .getMessage().contains("magic"));
        byte[] badVersion = good.clone();
        badVersion[2] = 9;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InterestsCodec.decode(badVersion))
                .getMessage().contains("version 9"));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InterestsCodec.decode(truncated))
                .getMessage().contains("needs 16"));
    }
}
