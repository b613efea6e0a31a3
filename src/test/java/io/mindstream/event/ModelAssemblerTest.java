package io.mindstream.event;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelAssemblerTest {

    private static byte[] payload(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static List<byte[]> messages(String version, byte[] payload, int chunk) {
        List<byte[]> out = new ArrayList<>();
        for (ModelMessage.Chunk c : ModelMessage.chunk(version, payload, chunk)) {
            out.add(c.encode());
        }
        return out;
    }

    private static ModelMessage.Chunk feedAll(ModelAssembler a, List<byte[]> messages) {
        ModelMessage complete = null;
        for (byte[] m : messages) {
            ModelAssembler.Outcome o = a.accept(m);
            assertTrue(o.rejections().isEmpty(), o.rejections().toString());
            if (o.complete() != null) {
                assertNull(complete, "completes once");
                complete = o.complete();
            }
        }
        return (ModelMessage.Chunk) complete;
    }

    @Test
    void assemblesChunksInOrderAndVerifies() {
        byte[] p = payload(10_000, 1);
        List<byte[]> m = messages("v1", p, 999);
        assertEquals(11, m.size());
        ModelMessage.Chunk c = feedAll(new ModelAssembler(), m);
        assertEquals("v1", c.modelVersion());
        assertEquals(1, c.count());
        assertArrayEquals(p, c.data());
    }

    @Test
    void assemblesOutOfOrderRepeatedAndInterleavedChunksOfTwoModels() {
        byte[] p1 = payload(5_000, 2);
        byte[] p2 = payload(7_000, 3);
        List<byte[]> m1 = messages("v1", p1, 1000);
        List<byte[]> m2 = messages("v2", p2, 1000);
        ModelAssembler a = new ModelAssembler();
        List<ModelMessage> done = new ArrayList<>();
        List<byte[]> order = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            if (i < m1.size()) {
                order.add(m1.get(m1.size() - 1 - i));
            }
            order.add(m2.get(i));
            order.add(m2.get(i)); // a producer retry
        }
        for (byte[] m : order) {
            ModelAssembler.Outcome o = a.accept(m);
            assertTrue(o.rejections().isEmpty(), o.rejections().toString());
            if (o.complete() != null) {
                done.add(o.complete());
            }
        }
        assertEquals(List.of("v1", "v2"), done.stream().map(ModelMessage::modelVersion).toList());
        assertArrayEquals(p1, ((ModelMessage.Chunk) done.get(0)).data());
        assertArrayEquals(p2, ((ModelMessage.Chunk) done.get(1)).data());
        assertEquals(0, a.pendingCount());
    }

    @Test
    void rejectsAWrongChecksum() {
        byte[] p = payload(3000, 4);
        List<ModelMessage.Chunk> chunks = ModelMessage.chunk("v1", p, 1000);
        ModelMessage.Chunk bad = chunks.get(1);
        byte[] data = bad.data().clone();
        data[5] ^= 1;
        ModelAssembler a = new ModelAssembler();
        a.accept(chunks.get(0).encode());
        a.accept(new ModelMessage.Chunk("v1", bad.sha256(), bad.payloadBytes(), 1, 3, data).encode());
        ModelAssembler.Outcome o = a.accept(chunks.get(2).encode());
        assertNull(o.complete());
        assertTrue(o.rejections().get(0).contains("SHA-256"), o.rejections().toString());
    }

    @Test
    void dropsATruncatedSequenceWhenOthersStart() {
        ModelAssembler a = new ModelAssembler(1 << 20, 100, 2);
        List<byte[]> m1 = messages("v1", payload(3000, 5), 1000);
        a.accept(m1.get(0));
        a.accept(m1.get(1));
        List<byte[]> m2 = messages("v2", payload(3000, 6), 1000);
        a.accept(m2.get(0));
        List<byte[]> m3 = messages("v3", payload(3000, 7), 1000);
        ModelAssembler.Outcome o = a.accept(m3.get(0));
        assertEquals(1, o.rejections().size());
        assertTrue(o.rejections().get(0).contains("model v1") && o.rejections().get(0).contains("2 of 3"),
                o.rejections().toString());
        assertEquals(2, a.pendingCount());
        // the late tail of v1 cannot complete it any more
        assertNull(a.accept(m1.get(2)).complete());
    }

    @Test
    void enforcesSizeAndChunkLimitsBeforeBuffering() {
        ModelAssembler a = new ModelAssembler(4096, 3, 2);
        ModelAssembler.Outcome big = a.accept(messages("v1", payload(5000, 8), 5000).get(0));
        assertTrue(big.rejections().get(0).contains("more than the limit of 4096"), big.rejections().toString());
        ModelAssembler.Outcome many = a.accept(messages("v2", payload(4000, 9), 1000).get(0));
        assertTrue(many.rejections().get(0).contains("4 chunks"), many.rejections().toString());
        assertEquals(0, a.pendingCount());
        assertEquals(0, a.pendingBytes());
    }

    @Test
    void rejectsConflictingChunkHeadersAndChangedRepeats() {
        byte[] p = payload(2000, 10);
        List<ModelMessage.Chunk> c = ModelMessage.chunk("v1", p, 1000);
        ModelAssembler a = new ModelAssembler();
        a.accept(c.get(0).encode());
        ModelAssembler.Outcome o = a.accept(new ModelMessage.Chunk("v1", c.get(1).sha256(), 2000, 1, 5,
                c.get(1).data()).encode());
        assertTrue(o.rejections().get(0).contains("earlier chunks said"), o.rejections().toString());
        a.accept(c.get(0).encode());
        byte[] changed = c.get(0).data().clone();
        changed[0] ^= 1;
        o = a.accept(new ModelMessage.Chunk("v1", c.get(0).sha256(), 2000, 0, 2, changed).encode());
        assertTrue(o.rejections().get(0).contains("twice with different content"), o.rejections().toString());
    }

    @Test
    void rejectsGarbageAndPassesReferencesThrough() {
        assertTrue(new ModelAssembler().accept(new byte[] {1, 2, 3}).rejections().get(0).contains("truncated"));
        assertTrue(new ModelAssembler().accept("hello world, not a model".getBytes()).rejections().get(0)
                .contains("bad magic"));
        byte[] sha = ModelMessage.sha256(new byte[] {1});
        ModelMessage.Reference ref = new ModelMessage.Reference("v9", sha, 1, "s3://bucket/v9.mindb");
        ModelMessage out = new ModelAssembler().accept(ref.encode()).complete();
        ModelMessage.Reference back = assertInstanceOf(ModelMessage.Reference.class, out);
        assertEquals("s3://bucket/v9.mindb", back.uri());
        assertArrayEquals(sha, back.sha256());
    }

    @Test
    void pendingMessagesRestoreAnAssembler() {
        byte[] p = payload(4000, 11);
        List<byte[]> m = messages("v1", p, 1000);
        ModelAssembler a = new ModelAssembler();
        a.accept(m.get(0));
        a.accept(m.get(2));
        ModelAssembler restored = new ModelAssembler();
        for (byte[] chunk : a.pendingMessages()) {
            restored.accept(chunk);
        }
        restored.accept(m.get(1));
        ModelMessage.Chunk c = (ModelMessage.Chunk) restored.accept(m.get(3)).complete();
        assertArrayEquals(p, c.data());
    }

    @Test
    void messageDecodingRejectsBadInput() {
        byte[] good = messages("v1", payload(100, 12), 100).get(0);
        assertThrows(IllegalArgumentException.class,
                () -> ModelMessage.decode(java.util.Arrays.copyOf(good, good.length + 1)));
        byte[] version = good.clone();
        version[4] = 7;
        assertThrows(IllegalArgumentException.class, () -> ModelMessage.decode(version));
        byte[] kind = good.clone();
        kind[5] = 9;
        assertThrows(IllegalArgumentException.class, () -> ModelMessage.decode(kind));
    }
}
