package io.mindstream.model;

import io.mindstream.routing.RoutingKernel;
import io.mindstream.routing.RoutingKernels;
import io.mindstream.routing.RoutingSoftmax;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterestEncoderTest {

    private static final List<RoutingKernel> KERNELS = List.of(RoutingKernels.scalar(), RoutingKernels.vector());

    private static float[] encode(MindModel model, String user, String... items) {
        return new InterestEncoder().encode(model, user, items, items.length).toFlatArray();
    }

    /** An item sequence over one byte array, as the stream operator holds it. */
    private static ItemSequence utf8Sequence(String[] items) {
        byte[][] encoded = new byte[items.length][];
        int total = 0;
        for (int i = 0; i < items.length; i++) {
            encoded[i] = items[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            total += encoded[i].length + 3;
        }
        byte[] bytes = new byte[total];
        int[] offsets = new int[items.length];
        for (int i = 0, at = 3; i < items.length; i++) {
            offsets[i] = at;
            System.arraycopy(encoded[i], 0, bytes, at, encoded[i].length);
            at += encoded[i].length + 3;
        }
        return new ItemSequence() {
            public int length() {
                return items.length;
            }

            public int rowOf(int i, ItemIndex index) {
                return index.rowOf(bytes, offsets[i], encoded[i].length);
            }
        };
    }

    @Test
    void encodingUtf8IdsEqualsEncodingStringsWithUnknownItemsAndLongSequences() {
        MindModel model = TestModels.builder().build();
        for (int length : new int[] {0, 1, 7, 60, 150}) {
            String[] items = TestModels.sequence(length, 200, length);
            for (int i = 0; i < items.length; i += 3) {
                items[i] = "unknown-" + i;
            }
            InterestEncoder encoder = new InterestEncoder();
            Interests fromStrings = encoder.encode(model, "u9", items, items.length);
            float[] expected = fromStrings.toFlatArray();
            int unknown = fromStrings.unknownItems();
            int n = fromStrings.sequenceLength();
            Interests fromBytes = encoder.encode(model, "u9", utf8Sequence(items));
            assertArrayEquals(expected, fromBytes.toFlatArray(), "length " + length);
            assertEquals(unknown, fromBytes.unknownItems());
            assertEquals(n, fromBytes.sequenceLength());
        }
    }

    @Test
    void sameUserSequenceAndVersionGiveBitIdenticalInterests() {
        MindModel model = TestModels.builder().build();
        String[] items = TestModels.sequence(3, 200, 20);
        for (RoutingKernel kernel : KERNELS) {
            InterestEncoder first = new InterestEncoder(kernel);
            float[] a = first.encode(model, "u1", items, items.length).toFlatArray();
            // the same encoder again after another user, and a fresh encoder: no state leaks between calls
            first.encode(model, "u2", TestModels.sequence(4, 200, 13), 13);
            float[] b = first.encode(model, "u1", items, items.length).toFlatArray();
            float[] c = new InterestEncoder(kernel).encode(model, "u1", items, items.length).toFlatArray();
            assertArrayEquals(a, b, kernel.name());
            assertArrayEquals(a, c, kernel.name());
        }
    }

    @Test
    void differentUsersGetDifferentInterests() {
        MindModel model = TestModels.builder().build();
        String[] items = TestModels.sequence(3, 200, 20);
        assertFalse(Arrays.equals(encode(model, "u1", items), encode(model, "u2", items)));
    }

    @Test
    void aDifferentModelVersionGivesDifferentInterestsWithTheSameWeights() {
        MindModel v1 = TestModels.builder().version("v1").build();
        MindModel v2 = TestModels.builder().version("v2").build();
        assertArrayEquals(v1.mappedTable(), v2.mappedTable());
        String[] items = TestModels.sequence(3, 200, 20);
        assertFalse(Arrays.equals(encode(v1, "u1", items), encode(v2, "u1", items)));
    }

    @Test
    void noUsableBehaviourGivesAnEmptyResult() {
        MindModel model = TestModels.builder().build();
        Interests empty = new InterestEncoder().encode(model, "u1", new String[0], 0);
        assertEquals(0, empty.count());
        assertEquals(0, empty.sequenceLength());
        assertEquals(0, empty.toArray().length);
        Interests unknownOnly = new InterestEncoder().encode(model, "u1", new String[] {"x", "y"}, 2);
        assertEquals(0, unknownOnly.count());
        assertEquals(0, unknownOnly.sequenceLength());
        assertEquals(2, unknownOnly.unknownItems());
    }

    @ParameterizedTest(name = "n={0} -> K'={1}")
    @CsvSource({"1, 1", "2, 1", "3, 1", "4, 2", "8, 3", "16, 4", "20, 4"})
    void dynamicInterestCountFollowsTheSequenceLength(int n, int expected) {
        MindModel model = TestModels.builder().maxInterests(4).maxLength(50).build();
        String[] items = TestModels.sequence(n, 200, n);
        Interests result = new InterestEncoder().encode(model, "u1", items, n);
        assertEquals(expected, result.count());
        assertEquals(n, result.sequenceLength());
        assertEquals(8, result.dim());
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 2, 3, 16})
    void fixedInterestCountIsAlwaysK(int n) {
        MindModel model = TestModels.builder().dynamic(false).maxInterests(5).build();
        Interests result = new InterestEncoder().encode(model, "u1", TestModels.sequence(n, 200, n), n);
        assertEquals(5, result.count());
    }

    @Test
    void onlyTheLastLKnownItemsTakePart() {
        MindModel model = TestModels.builder().maxLength(10).build();
        String[] items = TestModels.sequence(9, 200, 25);
        for (RoutingKernel kernel : KERNELS) {
            Interests all = new InterestEncoder(kernel).encode(model, "u1", items, items.length);
            assertEquals(10, all.sequenceLength());
            assertEquals(3, all.count(), "K' follows the usable length L, not the input length");
            String[] last = Arrays.copyOfRange(items, 15, 25);
            assertArrayEquals(new InterestEncoder(kernel).encode(model, "u1", last, 10).toFlatArray(),
                    all.toFlatArray(), kernel.name());
        }
    }

    @Test
    void unknownItemsAreDroppedCountedAndChangeNothingElse() {
        MindModel model = TestModels.builder().maxLength(10).build();
        String[] known = TestModels.sequence(5, 200, 12);
        List<String> mixed = new ArrayList<>();
        mixed.add("never-seen-0");
        for (int i = 0; i < known.length; i++) {
            mixed.add(known[i]);
            if (i % 4 == 1) {
                mixed.add("never-seen-" + (i + 1));
            }
        }
        for (RoutingKernel kernel : KERNELS) {
            Interests clean = new InterestEncoder(kernel).encode(model, "u1", known, known.length);
            float[] expected = clean.toFlatArray();
            Interests withUnknown = new InterestEncoder(kernel).encode(model, "u1", mixed);
            assertEquals(4, withUnknown.unknownItems());
            assertEquals(0, clean.unknownItems());
            assertEquals(10, withUnknown.sequenceLength());
            assertArrayEquals(expected, withUnknown.toFlatArray(), kernel.name());
        }
    }

    @Test
    void everyInterestIsShorterThanOne() {
        for (RoutingSoftmax softmax : RoutingSoftmax.values()) {
            MindModel model = TestModels.builder().dim(16).maxLength(50).softmax(softmax).build();
            for (int u = 0; u < 50; u++) {
                Interests result = new InterestEncoder().encode(model, "u" + u,
                        TestModels.sequence(u, 200, 1 + u), 1 + u);
                for (int j = 0; j < result.count(); j++) {
                    double sq = 0;
                    for (float x : result.vector(j)) {
                        sq += x * x;
                    }
                    assertTrue(sq < 1.0 && sq > 0, "|v_" + j + "|^2 = " + sq + " for user " + u);
                }
            }
        }
    }

    @Test
    void theTwoSoftmaxAxesGiveDifferentInterests() {
        String[] items = TestModels.sequence(3, 200, 16);
        float[] overInterests = encode(TestModels.builder().softmax(RoutingSoftmax.INTERESTS).build(), "u1", items);
        float[] overBehaviours = encode(TestModels.builder().softmax(RoutingSoftmax.BEHAVIOURS).build(), "u1", items);
        assertEquals(overInterests.length, overBehaviours.length);
        double diff = 0;
        for (int x = 0; x < overInterests.length; x++) {
            diff = Math.max(diff, Math.abs(overInterests[x] - overBehaviours[x]));
        }
        assertTrue(diff > 1e-3, "largest difference " + diff);
    }

    @Test
    void explicitInitialLogitsReplaceTheDeterministicOnes() {
        MindModel model = TestModels.builder().build();
        String[] items = TestModels.sequence(3, 200, 8);
        int n = 8;
        int k = 3;
        float[][] init = new float[k + 2][n];
        for (int j = 0; j < init.length; j++) {
            for (int i = 0; i < n; i++) {
                init[j][i] = (float) Math.sin(j * 7 + i);
            }
        }
        for (RoutingKernel kernel : KERNELS) {
            InterestEncoder encoder = new InterestEncoder(kernel);
            float[] explicit = encoder.encode(model, "u1", items, n, init).toFlatArray();
            // the user id no longer matters, extra rows are ignored, and the result differs from the default
            assertArrayEquals(explicit, encoder.encode(model, "someone-else", items, n,
                    Arrays.copyOf(init, k)).toFlatArray(), kernel.name());
            assertFalse(Arrays.equals(explicit, encoder.encode(model, "u1", items, n).toFlatArray()));
        }
    }

    @Test
    void explicitInitialLogitsOfTheWrongShapeAreRejectedClearly() {
        MindModel model = TestModels.builder().build();
        String[] items = {"i1", "i2", "unknown", "i3", "i4"};
        InterestEncoder encoder = new InterestEncoder();
        // n = 4 usable behaviours, K' = 2
        assertMessage(() -> encoder.encode(model, "u", items, 5, new float[1][4]), "at least 2");
        assertMessage(() -> encoder.encode(model, "u", items, 5, new float[2][5]), "row 0 has 5 values");
        assertMessage(() -> encoder.encode(model, "u", items, 5, new float[][] {new float[4], new float[3]}),
                "row 1 has 3 values");
        assertMessage(() -> encoder.encode(model, "u", items, 5, new float[][] {new float[4], null}),
                "row 1 has 0 values");
        float[][] nan = new float[2][4];
        nan[1][2] = Float.NaN;
        assertMessage(() -> encoder.encode(model, "u", items, 5, nan), "non-finite");
        // the encoder still works after a rejected call
        assertEquals(2, encoder.encode(model, "u", items, 5).count());
    }

    /**
     * The stream calls encode once per event: once its buffers have grown it must not allocate. Measured with
     * the JVM's per-thread allocation counter, not with time; 10,000 calls that allocate anything at all per
     * call would add up to at least 160,000 bytes; the bound allows a one-off allocation, not one per call.
     */
    @Test
    void encodeAllocatesNothingOnceWarm() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        MindModel model = TestModels.builder().dim(24).maxInterests(4).maxLength(20).items(2000).build();
        String[][] sequences = new String[16][];
        for (int u = 0; u < sequences.length; u++) {
            // lengths 3..33: every K', the buffers reach their largest size in the warm-up
            sequences[u] = TestModels.sequence(u, 2000, 3 + 2 * u);
        }
        String[] users = new String[sequences.length];
        for (int u = 0; u < users.length; u++) {
            users[u] = "user-" + u;
        }
        for (RoutingKernel kernel : KERNELS) {
            InterestEncoder encoder = new InterestEncoder(kernel);
            float sink = 0;
            for (int x = 0; x < 15_000; x++) {
                int u = x & 15;
                sink += encoder.encode(model, users[u], sequences[u], sequences[u].length).buffer()[0];
            }
            // Vector API code allocates until C2 has compiled it, which a busy machine may take a while to do:
            // "warm" is the first of up to 20 rounds of 10,000 calls that allocates (next to) nothing
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 20 && allocated >= 10_000; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int x = 0; x < 10_000; x++) {
                    int u = x & 15;
                    sink += encoder.encode(model, users[u], sequences[u], sequences[u].length).buffer()[0];
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertTrue(Float.isFinite(sink));
            assertTrue(allocated < 10_000, kernel.name() + ": " + allocated + " bytes in 10,000 calls");
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "expected \"" + fragment + "\" in: " + e.getMessage());
        assertTrue(e.getMessage().contains("init_logits"), e.getMessage());
    }
}
