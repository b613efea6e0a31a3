package io.mindstream.train;

import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class PeriodicTrainerTest {

    @TempDir
    Path dir;

    private static TrainOptions small() {
        return new TrainOptions().dim(8).interests(2).maxLen(10).batch(16).iterations(150).evalEvery(75)
                .lr(0.01f).baselines(false).threads(1).timeBudget(Duration.ofSeconds(30));
    }

    @Test
    void warmStartCarriesKnownItemsRetriesPublishAndKeepsTheCurrentModelOnFailure() throws Exception {
        List<Interactions> worlds = List.of(TrainerTest.plantedWorld(1, 200, 5, 10, 15),
                TrainerTest.plantedWorld(2, 200, 6, 10, 15));
        AtomicInteger round = new AtomicInteger();
        List<MindModel> published = new ArrayList<>();
        AtomicInteger failuresLeft = new AtomicInteger(0);
        PeriodicTrainer p = new PeriodicTrainer(() -> worlds.get(Math.min(round.getAndIncrement(), 1)), small(), 0.9,
                m -> {
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new java.io.IOException("broker unavailable");
                    }
                    published.add(m);
                }, null, Trainer.Listener.SILENT, 3, Duration.ofMillis(10));

        PeriodicTrainer.Round first = p.round();
        assertTrue(first.published(), first.reason());
        MindModel m1 = p.current();
        assertSame(m1, published.get(0));

        failuresLeft.set(2); // two failed attempts, the third succeeds
        PeriodicTrainer.Round second = p.round();
        assertTrue(second.published(), second.reason());
        MindModel m2 = p.current();
        assertTrue(m2.version().compareTo(m1.version()) > 0, m2.version() + " after " + m1.version());
        assertEquals(2, published.size());
        // topic 5 is new in the second world; the first world's items stay only if still clicked
        assertTrue(m2.rowOf("t5-i0") >= 0);
        assertFalse(Double.isNaN(second.result().previousValidationRecall50()), "gated against the previous model");

        failuresLeft.set(5); // every attempt fails: nothing changes
        PeriodicTrainer.Round third = p.round();
        assertFalse(third.published());
        assertTrue(third.reason().startsWith("publish failed after 3 attempts"), third.reason());
        assertSame(m2, p.current());
    }

    @Test
    void warmStartCopiesRowsById() {
        MindModel prev = Trainer.model("v1", small().routingConfig(), new String[]{"a", "b"},
                new float[]{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2}, new float[64]);
        float[] e = new float[3 * 8];
        float[] s = new float[64];
        s[0] = 9;
        int kept = Trainer.warmStart(prev, new String[]{"b", "new", "a"}, e, s);
        assertEquals(2, kept);
        assertEquals(2f, e[0]);
        assertEquals(0f, e[8], "a new item keeps its fresh row");
        assertEquals(1f, e[16]);
        assertEquals(0f, s[0], "S comes from the previous model");
    }

    @Test
    void gateComparesWithTolerance() {
        TrainResult pass = result(0.30, 0.31);
        TrainResult fail = result(0.20, 0.31);
        assertTrue(pass.passesGate(0.05));
        assertFalse(fail.passesGate(0.05));
        assertTrue(result(0.1, Double.NaN).passesGate(0.0), "no previous model: nothing to compare with");
    }

    private static TrainResult result(double now, double before) {
        return new TrainResult(null, "test", java.util.Map.of(), null, null, 1, 1, 1, 0, now, before);
    }

    @Test
    void bundleOutputReplacesWholeBundles() throws Exception {
        Path out = dir.resolve("model");
        MindModel a = Trainer.model("20261129T1200Z-0001", small().routingConfig(), new String[]{"x"}, new float[8],
                new float[64]);
        MindModel b = Trainer.model("20261129T1200Z-0002", small().routingConfig(), new String[]{"y", "z"},
                new float[16], new float[64]);
        BundleOutput.replace(a, out);
        assertEquals(a.version(), ModelBundle.read(out).version());
        BundleOutput.replace(b, out);
        MindModel back = ModelBundle.read(out);
        assertEquals(b.version(), back.version());
        assertArrayEquals(new String[]{"y", "z"}, back.items().ids());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(out), s.toList(), "no staging or old directories are left");
        }
    }
}
