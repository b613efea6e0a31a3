package io.mindstream.train;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSplitTest {

    @Test
    void usersSplitEightOneOneWithAFixedSeed() {
        Interactions data = TrainerTest.plantedWorld(1, 100, 4, 5, 6);
        DataSplit a = DataSplit.of(data, DataSplit.Mode.COMIREC, 42);
        DataSplit b = DataSplit.of(data, DataSplit.Mode.COMIREC, 42);
        assertEquals(80, a.trainUsers().length);
        assertEquals(10, a.validationUsers().length);
        assertEquals(10, a.testUsers().length);
        assertArrayEquals(a.testUsers(), b.testUsers(), "same seed, same split");
        Set<Integer> all = new HashSet<>();
        for (int[] part : List.of(a.trainUsers(), a.validationUsers(), a.testUsers())) {
            for (int u : part) {
                assertTrue(all.add(u), "user " + u + " in two parts");
            }
        }
        assertTrue(!java.util.Arrays.equals(a.testUsers(), DataSplit.of(data, DataSplit.Mode.COMIREC, 7).testUsers()));
    }

    @Test
    void heldOutUsesTheFirstEightyPercentAndDistinctTruth() {
        Interactions.Builder b = new Interactions.Builder();
        String[] seq = {"a", "b", "c", "d", "e", "f", "g", "h", "x", "x"};
        for (String s : seq) {
            b.add("u", s);
        }
        b.add("short", "a");
        for (int u = 0; u < 20; u++) {
            b.add("t" + u, "a");
            b.add("t" + u, "b");
        }
        Interactions data = b.build();
        DataSplit split = DataSplit.of(data, DataSplit.Mode.COMIREC, 1);
        List<DataSplit.HeldOut> h = split.heldOut(new int[]{0, 1});
        assertEquals(1, h.size(), "a user with one behaviour cannot be evaluated");
        DataSplit.HeldOut u = h.get(0);
        assertEquals(8, u.history().length);
        assertEquals(1, u.truth().length, "x twice is one truth item");
        assertEquals("x", data.itemId(u.truth()[0]));
    }

    @Test
    void vocabularyIsTheTrainingUsersItems() {
        Interactions.Builder b = new Interactions.Builder();
        for (int u = 0; u < 10; u++) {
            b.add("u" + u, "only-" + u);
            b.add("u" + u, "common");
        }
        Interactions data = b.build();
        DataSplit split = DataSplit.of(data, DataSplit.Mode.TRAIN_ONLY, 3);
        assertEquals(9, split.trainUsers().length);
        assertEquals(1, split.validationUsers().length);
        assertEquals(0, split.testUsers().length);
        assertEquals(10, split.vocabularySize(), "nine own items and the common one");
        int heldOutUser = split.validationUsers()[0];
        assertEquals(-1, split.rowOf(data.sequence(heldOutUser)[0]), "a validation user's own item is unknown");
    }
}
