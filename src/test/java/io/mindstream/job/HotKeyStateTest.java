package io.mindstream.job;

import io.mindstream.event.ClickEvent;
import io.mindstream.event.InterestUpdate;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.MindModel;
import io.mindstream.testing.TestModels;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hot key: one user (a bot, a shared account, a default id) sends 200,000 events. Every event is still answered,
 * but the user's state is the fixed-length window, so it stays the same size however long the user keeps going:
 * RocksDB values, checkpoints and restore time do not grow with one user's history.
 */
class HotKeyStateTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final int WINDOW = 100;
    private static final int EVENTS = 200_000;

    @Test
    @Timeout(300)
    void oneUserWith200000EventsKeepsAConstantSizeWindowOnRocksDb() throws Exception {
        MindModel model = TestModels.model("v1", 1_000, 1);
        var h = new KeyedBroadcastOperatorTestHarness<>(
                new InterestUpdaterOperator(new InterestUpdater(WINDOW, Duration.ofHours(1), true)),
                ClickEvent::userId, Types.STRING, 1, 1, 0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.setup();
        h.open();
        h.setProcessingTime(T0);
        h.setStateTtlProcessingTime(T0);
        try {
            h.processBroadcastElement(TestModels.assembledMessage(model), T0);
            int windowBytesAtFull = -1;
            long snapshotAtFull = -1;
            long answered = 0;
            long lastSeq = 0;
            for (int i = 0; i < EVENTS; i++) {
                // fixed-width ids, so a constant window really serializes to a constant number of bytes
                String eventId = String.format("e%07d", i);
                h.processElement(new ClickEvent("hot", "i" + (100 + i % 900), T0 + i, eventId, null, null), T0);
                if ((i + 1) % 10_000 == 0) {
                    List<InterestUpdate> out = h.extractOutputValues();
                    h.getOutput().clear();
                    answered += out.size();
                    lastSeq = out.get(out.size() - 1).updateSeq();
                    UserWindow w = window(h);
                    assertEquals(WINDOW, w.size());
                    int entries = logEntries(h);
                    assertTrue(entries >= 1 && entries <= 1 + WindowLog.COMPACT_EVERY,
                            "the log is compacted every " + WindowLog.COMPACT_EVERY + " events: " + entries + " entries");
                    int bytes = serializedSize(w);
                    if (windowBytesAtFull < 0) {
                        windowBytesAtFull = bytes;
                        snapshotAtFull = h.snapshot(i, T0).getStateSize();
                    } else {
                        // only the update counter grows, as a varint: one byte per 7 bits, i.e. logarithmically;
                        // the remembered rows take 1 or 2 bytes each (rows of a 1,000-item vocabulary)
                        int counterGrowth = varLongSize(w.updateSeq()) - varLongSize(10_000);
                        int expected = windowBytesAtFull + counterGrowth;
                        assertTrue(Math.abs(bytes - expected) <= WINDOW,
                                "the window's serialized size after " + (i + 1) + " events: " + bytes
                                        + ", expected " + expected + " +- " + WINDOW);
                    }
                }
            }
            assertEquals(EVENTS, answered, "every event is answered");
            assertEquals(EVENTS, lastSeq);
            OperatorSubtaskState last = h.snapshot(EVENTS, T0);
            // The window's size is the bound (asserted above). The checkpoint also carries the model and, until
            // RocksDB compacts, overwritten versions of the window, so its size varies from run to run (measured
            // 90-580 KB); a history kept by mistake would need at least 200,000 x 28 bytes = 5.6 MB on its own.
            assertTrue(last.getStateSize() < 4_000_000,
                    "checkpoint after 10,000 events " + snapshotAtFull + " bytes, after 200,000 " + last.getStateSize());
            // the window holds exactly the newest WINDOW events
            UserWindow w = window(h);
            assertEquals(UserWindow.eventKey(String.format("e%07d", EVENTS - WINDOW)), w.eventKey(0));
            assertEquals(UserWindow.eventKey(String.format("e%07d", EVENTS - 1)), w.eventKey(WINDOW - 1));
            h.processElement(new ClickEvent("hot", "i5", T0 + EVENTS, "last", null, null), T0);
            InterestUpdate u = h.extractOutputValues().get(0);
            String[] items = java.util.Arrays.copyOf(window(h).items(), WINDOW);
            assertArrayEquals(new InterestEncoder().encode(model, "hot", items, WINDOW).toFlatArray(), u.vectors());
        } finally {
            h.close();
        }
    }

    private static UserWindow window(KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> h)
            throws Exception {
        return InterestUpdaterTest.window(h, "hot", WINDOW);
    }

    /** Entries in the user's log: a snapshot and the deltas since. */
    private static int logEntries(KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> h)
            throws Exception {
        InterestUpdaterTest.writePending(h);
        h.getOperator().setCurrentKey("hot");
        int n = 0;
        for (byte[] ignored : h.getOperator().getKeyedStateStore().getListState(WindowLog.descriptor()).get()) {
            n++;
        }
        return n;
    }

    private static int varLongSize(long v) {
        return (64 - Long.numberOfLeadingZeros(v | 1) + 6) / 7;
    }

    private static int serializedSize(UserWindow w) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(4096);
        UserWindowSerializer.INSTANCE.serialize(w, out);
        return out.length();
    }
}
