package io.mindstream.job;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The append-only window state: replaying the log gives exactly the window the events built. */
class WindowLogTest {

    private static final long T0 = 1_700_000_000_000L;
    private final WindowLog codec = new WindowLog();

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void replayingSnapshotAndDeltasEqualsTheWindowTheEventsBuilt() throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        for (int capacity : new int[] {1, 5, 100}) {
            UserWindow reference = new UserWindow();
            List<byte[]> log = new ArrayList<>();
            UserWindow read = new UserWindow();
            int deltas = -1;
            for (int e = 0; e < 3_000; e++) {
                // mostly in order, a quarter out of order, some without event ids, some far in the past
                long ts = T0 + e * 1_000L - (r.nextInt(4) == 0 ? r.nextInt(200_000) : 0);
                String item = "item-" + r.nextInt(500) + (r.nextInt(50) == 0 ? "-ü" : "");
                String eventId = r.nextInt(10) == 0 ? null : "event-" + e;
                reference.insert(item, ts, eventId, capacity);
                reference.nextUpdateSeq();
                reference.setLastEventAt(T0 + e);
                if (deltas < 0 || deltas >= WindowLog.COMPACT_EVERY) {
                    log.clear();
                    log.add(codec.snapshot(reference));
                } else {
                    log.add(codec.delta(utf8(item), ts, utf8(eventId), reference.updateSeq(), reference.lastEventAt()));
                }
                deltas = codec.read(log, read, capacity);
                assertEquals(log.size() - 1, deltas);
                assertEquals(reference, read, "after event " + e + " with capacity " + capacity);
                assertEquals(reference.toString(), read.toString());
            }
        }
    }

    @Test
    void noStateReadsAsMinusOneAndAnEmptyWindow() throws IOException {
        UserWindow w = new UserWindow();
        w.insert("x", T0, "e", 10);
        assertEquals(-1, codec.read(null, w, 10));
        assertEquals(0, w.size());
        assertEquals(-1, codec.read(List.of(), w, 10));
    }

    @Test
    void aDeltaCostsAFewDozenBytesWhereTheWindowCostsKilobytes() {
        UserWindow w = UserWindowSerializerTest.window(100, true);
        byte[] delta = codec.delta(utf8("item-12345"), T0 + 3_000_000, utf8("evt-101-abcdef"), 101, T0 + 3_000_000);
        byte[] snapshot = codec.snapshot(w);
        assertTrue(delta.length <= 40, delta.length + " bytes");
        assertTrue(snapshot.length > 20 * delta.length, snapshot.length + " against " + delta.length);
    }

    @Test
    void corruptLogsAreErrorsNotWrongWindows() {
        UserWindow w = new UserWindow();
        byte[] snapshot = codec.snapshot(UserWindowSerializerTest.window(3, true));
        byte[] delta = codec.delta(utf8("i"), T0, utf8("e"), 4, T0);
        // a delta where the snapshot belongs
        assertThrows(IOException.class, () -> codec.read(List.of(delta), w, 10));
        // an unknown tag
        byte[] bad = delta.clone();
        bad[0] = 0x11;
        IOException e = assertThrows(IOException.class, () -> codec.read(List.of(snapshot, bad), w, 10));
        assertTrue(e.getMessage().contains("tag 17"), e.getMessage());
        // truncated
        for (int cut = 1; cut < delta.length; cut++) {
            byte[] shortDelta = java.util.Arrays.copyOf(delta, cut);
            assertThrows(IOException.class, () -> codec.read(List.of(snapshot, shortDelta), w, 10),
                    "delta cut at " + cut);
        }
        // an id length beyond the entry
        byte[] longId = delta.clone();
        longId[longId.length - 4] = 0x7F;
        assertThrows(IOException.class, () -> codec.read(List.of(snapshot, longId), w, 10));
    }
}
