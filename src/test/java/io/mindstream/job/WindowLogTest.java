package io.mindstream.job;

import io.mindstream.model.ItemIndex;
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
                    log.add(codec.delta(utf8(item), ts, utf8(eventId), reference.updateSeq(), reference.lastEventAt(), -1, 0));
                }
                deltas = codec.read(log, read, capacity);
                assertEquals(log.size() - 1, deltas);
                assertEquals(reference, read, "after event " + e + " with capacity " + capacity);
                assertEquals(reference.toString(), read.toString());
            }
        }
    }

    /**
     * What the window cache writes: the deltas of several events as one batch entry (one alone as a plain delta),
     * mixed with plain deltas; the replay is the same window and counts every delta.
     */
    @Test
    void batchesOfDeltasReplayLikeTheirDeltas() throws IOException {
        SplittableRandom r = new SplittableRandom(9);
        UserWindow reference = new UserWindow();
        List<byte[]> log = new ArrayList<>();
        log.add(codec.snapshot(reference));
        org.apache.flink.core.memory.DataOutputSerializer batch = new org.apache.flink.core.memory.DataOutputSerializer(8);
        int written = 0;
        UserWindow read = new UserWindow();
        for (int round = 0; round < 40; round++) {
            int n = r.nextInt(4); // 0 to 3 events in this batch
            batch.clear();
            for (int k = 0; k < n; k++) {
                long ts = T0 + round * 10_000L + k - (r.nextInt(3) == 0 ? r.nextInt(50_000) : 0);
                String item = "item-" + r.nextInt(50);
                String eventId = r.nextInt(5) == 0 ? null : "ev-" + round + "-" + k;
                reference.insert(item, ts, eventId, 30);
                reference.nextUpdateSeq();
                reference.setLastEventAt(ts);
                WindowLog.appendDelta(batch, utf8(item), ts, utf8(eventId), reference.updateSeq(),
                        reference.lastEventAt(), -1, 0);
            }
            if (n > 0) {
                byte[] entry = WindowLog.batchEntry(batch, n);
                assertEquals(n == 1 ? WindowLog.DELTA : WindowLog.BATCH, entry[0] & 0xFF);
                log.add(entry);
                written += n;
            }
            assertEquals(written, codec.read(log, read, 30));
            assertEquals(reference, read, "after round " + round);
        }
    }

    @Test
    void resolvedRowsTravelThroughSnapshotsAndDeltasAndAreNotTrustedUnderAnotherVocabulary() throws IOException {
        String[] vocabulary = new String[300];
        for (int i = 0; i < vocabulary.length; i++) {
            vocabulary[i] = "item-" + i;
        }
        ItemIndex index = new ItemIndex(vocabulary);
        SplittableRandom r = new SplittableRandom(3);
        UserWindow reference = new UserWindow();
        List<byte[]> log = new ArrayList<>();
        UserWindow read = new UserWindow();
        for (int e = 0; e < 200; e++) {
            byte[] item = utf8("item-" + r.nextInt(400));
            int row = index.rowOf(item, 0, item.length);
            reference.insert(item, 0, item.length, T0 + e, UserWindow.NO_EVENT, row, index.fingerprint(), 20);
            if (e % (WindowLog.COMPACT_EVERY + 1) == 0) {
                log.clear();
                log.add(codec.snapshot(reference));
            } else {
                log.add(codec.delta(item, T0 + e, null, 0, 0, row, index.fingerprint()));
            }
            codec.read(log, read, 20);
            assertEquals(index.fingerprint(), read.commonRowTag(), "after event " + e);
            for (int i = 0; i < read.size(); i++) {
                assertEquals(index.rowOf(read.item(i)), read.row(i));
                assertEquals(index.rowOf(read.item(i)), read.rowOf(i, index));
            }
        }
        // the same ids in another order: another vocabulary, whose rows are looked up again
        String[] reversed = vocabulary.clone();
        java.util.Collections.reverse(java.util.Arrays.asList(reversed));
        ItemIndex other = new ItemIndex(reversed);
        assertTrue(other.fingerprint() != index.fingerprint());
        for (int i = 0; i < read.size(); i++) {
            assertEquals(other.rowOf(read.item(i)), read.rowOf(i, other));
        }
        assertEquals(other.fingerprint(), read.commonRowTag(), "re-resolved under the new vocabulary");
        // a snapshot written before rows were kept (format 2) reads with no rows
        byte[] format2 = UserWindowSerializerTest.format2(reference);
        codec.read(List.of(format2), read, 20);
        assertEquals(0, read.commonRowTag());
        assertEquals(reference, read);
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
        byte[] delta = codec.delta(utf8("item-12345"), T0 + 3_000_000, utf8("evt-101-abcdef"), 101, T0 + 3_000_000,
                17, 0x1234_5678_9ABC_DEF0L);
        byte[] snapshot = codec.snapshot(w);
        assertTrue(delta.length <= 50, delta.length + " bytes");
        assertTrue(snapshot.length > 20 * delta.length, snapshot.length + " against " + delta.length);
    }

    @Test
    void corruptLogsAreErrorsNotWrongWindows() throws IOException {
        UserWindow w = new UserWindow();
        byte[] snapshot = codec.snapshot(UserWindowSerializerTest.window(3, true));
        byte[] delta = codec.delta(utf8("i"), T0, utf8("e"), 4, T0, -1, 0);
        // a delta where the snapshot belongs
        assertThrows(IOException.class, () -> codec.read(List.of(delta), w, 10));
        // an unknown tag
        byte[] bad = delta.clone();
        bad[0] = 0x12;
        IOException e = assertThrows(IOException.class, () -> codec.read(List.of(snapshot, bad), w, 10));
        assertTrue(e.getMessage().contains("tag 18"), e.getMessage());
        // batches: empty, with something else than a delta, cut inside its second delta
        assertThrows(IOException.class, () -> codec.read(List.of(snapshot, new byte[] {WindowLog.BATCH}), w, 10));
        byte[] notDelta = new byte[delta.length + 1];
        notDelta[0] = WindowLog.BATCH;
        System.arraycopy(delta, 0, notDelta, 1, delta.length);
        notDelta[1] = 0x12;
        assertThrows(IOException.class, () -> codec.read(List.of(snapshot, notDelta), w, 10));
        byte[] two = new byte[1 + 2 * delta.length];
        two[0] = WindowLog.BATCH;
        System.arraycopy(delta, 0, two, 1, delta.length);
        System.arraycopy(delta, 0, two, 1 + delta.length, delta.length);
        assertEquals(2, codec.read(List.of(snapshot, two), w, 10));
        for (int cut = delta.length + 2; cut < two.length; cut++) {
            byte[] shortBatch = java.util.Arrays.copyOf(two, cut);
            assertThrows(IOException.class, () -> codec.read(List.of(snapshot, shortBatch), w, 10),
                    "batch cut at " + cut);
        }
        // truncated
        for (int cut = 1; cut < delta.length; cut++) {
            byte[] shortDelta = java.util.Arrays.copyOf(delta, cut);
            assertThrows(IOException.class, () -> codec.read(List.of(snapshot, shortDelta), w, 10),
                    "delta cut at " + cut);
        }
        // an id length beyond the entry
        byte[] longId = delta.clone();
        // from the end: 8 bytes of row tag, "e", its length, "i", its length
        longId[longId.length - 12] = 0x7F;
        assertThrows(IOException.class, () -> codec.read(List.of(snapshot, longId), w, 10));
        // an event id length that is negative as a 64-bit varint
        byte[] item = {0x10, 4, 1, 1, 2, 'i', -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
        IOException negative = assertThrows(IOException.class, () -> codec.read(List.of(snapshot, item), w, 10));
        assertTrue(negative.getMessage().contains("string of"), negative.getMessage());
    }
}
