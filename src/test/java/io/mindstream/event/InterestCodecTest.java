package io.mindstream.event;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterestCodecTest {

    static InterestUpdate update(int k, int d, String eventId, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[k * d];
        for (int i = 0; i < v.length; i++) {
            // awkward values: subnormals, tiny and large magnitudes, negative zero
            v[i] = switch (i % 7) {
                case 0 -> Float.intBitsToFloat(r.nextInt());
                case 1 -> Float.MIN_VALUE * (1 + r.nextInt(100));
                case 2 -> -0.0f;
                default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-8, 8)));
            };
            if (!Float.isFinite(v[i])) {
                v[i] = 1.5e-30f;
            }
        }
        return new InterestUpdate("user-ü", "v2024.1", k, d, v,
                eventId == null ? InterestUpdate.Cause.MODEL : InterestUpdate.Cause.EVENT, eventId,
                1_700_000_000_123L, 17, 3, 42, 1_700_000_001_000L);
    }

    @Test
    void jsonRoundTripsEveryFloat32Exactly() {
        InterestUpdate u = update(4, 64, "e-1", 1);
        InterestUpdate back = OutputFormat.JSON.codec().decode(OutputFormat.JSON.codec().encode(u));
        assertEquals(u, back);
        for (int i = 0; i < u.vectors().length; i++) {
            assertEquals(Float.floatToIntBits(u.vectors()[i]), Float.floatToIntBits(back.vectors()[i]), "float " + i);
        }
    }

    @Test
    void jsonHasTheDocumentedFields() {
        String json = new String(OutputFormat.JSON.codec().encode(update(1, 2, "e-1", 2)), StandardCharsets.UTF_8);
        for (String field : new String[] {"\"user_id\":\"user-ü\"", "\"model_version\":\"v2024.1\"", "\"interests\":[[",
                "\"event_id\":\"e-1\"", "\"event_ts\":1700000000123", "\"sequence_length\":17", "\"update_seq\":42",
                "\"updated_at\":1700000001000", "\"cause\":\"event\""}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
    }

    @Test
    void binaryRoundTripsAndHasTheDocumentedSize() {
        for (InterestUpdate u : new InterestUpdate[] {update(4, 64, "e-1", 3), update(0, 64, null, 4),
                update(1, 1, "", 5)}) {
            byte[] b = OutputFormat.BINARY.codec().encode(u);
            int strings = 2 + "user-ü".getBytes(StandardCharsets.UTF_8).length + 2 + "v2024.1".length()
                    + (u.eventId() == null ? 0 : 2 + u.eventId().length());
            assertEquals(BinaryInterestCodec.HEADER_BYTES + strings + 4 * u.vectors().length, b.length);
            assertEquals(u, OutputFormat.BINARY.codec().decode(b));
        }
    }

    @Test
    void binaryIsLittleEndianWithAMagicAndVersion() {
        byte[] b = OutputFormat.BINARY.codec().encode(update(1, 1, null, 6));
        assertEquals("MIUP", new String(b, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(1, b[4]);
        assertEquals(2, b[5], "flags: model refresh, no event id");
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
    }

    @Test
    void binaryRejectsForeignAndTruncatedBytes() {
        byte[] b = OutputFormat.BINARY.codec().encode(update(2, 8, "e", 7));
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.BINARY.codec().decode(new byte[] {1, 2, 3, 4, 5}));
        assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.BINARY.codec().decode(java.util.Arrays.copyOf(b, b.length - 3)));
        b[4] = 9;
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.BINARY.codec().decode(b));
    }

    @Test
    void sizesOfBothEncodings() {
        InterestUpdate u = update(4, 64, "event-0123456789", 8);
        int json = OutputFormat.JSON.codec().encode(u).length;
        int binary = OutputFormat.BINARY.codec().encode(u).length;
        System.out.printf("interest update K'=4 d=64: json %d bytes, binary %d bytes%n", json, binary);
        assertTrue(binary < json);
        assertArrayEquals(u.vectors(), OutputFormat.BINARY.codec().decode(OutputFormat.BINARY.codec().encode(u)).vectors());
    }

    @Test
    void deadLetterJsonRoundTripsArbitraryBytes() {
        byte[] value = {0, (byte) 0xFF, '{', '"', '\n'};
        DeadLetter d = new DeadLetter("NOT_JSON", "not valid JSON at byte 0", "clicks", 3, 1234L, 99L,
                "k".getBytes(StandardCharsets.UTF_8), value, 1_700_000_000_000L);
        assertEquals(d, DeadLetter.fromJson(d.toJson()));
        DeadLetter noKey = new DeadLetter("EMPTY_RECORD", "x", "clicks", 0, 0, -1, null, null, 5);
        assertEquals(noKey, DeadLetter.fromJson(noKey.toJson()));
    }
}
