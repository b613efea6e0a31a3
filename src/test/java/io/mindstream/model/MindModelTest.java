package io.mindstream.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MindModelTest {

    @Test
    void mappedTableIsEmbeddingsTimesBilinear() {
        MindModel model = TestModels.builder().items(30).dim(7).build();
        float[] e = model.embeddingTable();
        float[] s = model.bilinearMatrix();
        int d = 7;
        for (int r = 0; r < 30; r++) {
            for (int c = 0; c < d; c++) {
                double expected = 0;
                for (int a = 0; a < d; a++) {
                    expected += (double) e[r * d + a] * s[a * d + c];
                }
                assertEquals(expected, model.mappedTable()[r * d + c], 1e-6, "row " + r + " column " + c);
            }
        }
    }

    @Test
    void rowsFollowItemsOrderAndUnknownIdsAreMinusOne() {
        MindModel model = TestModels.builder().items(30).build();
        assertEquals(0, model.rowOf("i0"));
        assertEquals(29, model.rowOf("i29"));
        assertEquals(-1, model.rowOf("i30"));
        assertEquals(-1, model.rowOf(""));
    }

    @Test
    void inconsistentShapesAndBadValuesAreRejectedWithWhatIsWrong() {
        ModelConfig config = new ModelConfig("v", TestModels.builder().dim(2).routing());
        String[] ids = {"a", "b", "c"};
        assertMessage("items.txt has 3 lines", () -> new MindModel(config, ids, new float[5], new float[4]));
        assertMessage("bilinear has 3 floats", () -> new MindModel(config, ids, new float[6], new float[3]));
        float[] nan = new float[6];
        nan[3] = Float.NaN;
        assertMessage("row 1, column 1", () -> new MindModel(config, ids, nan, new float[4]));
        assertMessage("duplicate item id \"a\" on lines 1 and 3",
                () -> new MindModel(config, new String[] {"a", "b", "a"}, new float[6], new float[4]));
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "expected \"" + fragment + "\" in: " + e.getMessage());
    }
}
