package io.mindstream.job;

import io.mindstream.event.ClickEvent;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelMessage;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.TestModels;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keyed broadcast function on Flink's operator test harness: state, de-duplication, ordering, models. */
class InterestUpdaterTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final Duration TTL = Duration.ofHours(1);

    private final MindModel v1 = TestModels.model("v1", 20, 1);
    private final MindModel v2 = TestModels.model("v2", 20, 2);
    private KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> harness;

    @BeforeEach
    void open() throws Exception {
        harness = harness(new InterestUpdater(8, TTL, true), null);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** The state backend of the harness: Flink's heap backend here, RocksDB in the subclass. */
    StateBackend stateBackend() {
        return new HashMapStateBackend();
    }

    KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> harness(
            InterestUpdater fn, OperatorSubtaskState restore) throws Exception {
        var h = new KeyedBroadcastOperatorTestHarness<>(
                new InterestUpdaterOperator(fn),
                ClickEvent::userId, Types.STRING, 1, 1, 0);
        h.setStateBackend(stateBackend());
        // Prove that nothing in the operator falls back to Kryo.
        ((org.apache.flink.api.common.serialization.SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig())
                .setGenericTypes(false);
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        h.setProcessingTime(T0);
        h.setStateTtlProcessingTime(T0);
        return h;
    }

    private static ClickEvent click(String user, String item, long ts, String eventId) {
        return new ClickEvent(user, item, ts, eventId, null, null);
    }

    private UserWindow state(String user) throws Exception {
        return window(harness, user, 8);
    }

    /**
     * The user's window as the updater would read it from its log, or null when the user has no state; what the
     * window cache holds for the state is written first, as before a checkpoint.
     */
    static UserWindow window(KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> h,
                             String user, int capacity) throws Exception {
        writePending(h);
        h.getOperator().setCurrentKey(user);
        UserWindow w = new UserWindow();
        int deltas = new WindowLog().read(h.getOperator().getKeyedStateStore().getListState(WindowLog.descriptor())
                .get(), w, capacity);
        return deltas < 0 ? null : w;
    }

    /** Writes the window cache's pending changes to the keyed state, as the operator does before a checkpoint. */
    static void writePending(KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> h) {
        updater(h).writePending();
    }

    static InterestUpdater updater(KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> h) {
        return (InterestUpdater) ((AbstractUdfStreamOperator<?, ?>) h.getOperator()).getUserFunction();
    }

    private static float[] expected(MindModel model, String user, String... items) {
        Interests r = new InterestEncoder().encode(model, user, items, items.length);
        return r.toFlatArray();
    }

    private List<InterestUpdate> drain() {
        List<InterestUpdate> out = harness.extractOutputValues();
        harness.getOutput().clear();
        return out;
    }

    @Test
    void beforeAnyModelEventsAccumulateAndNothingIsEmitted() throws Exception {
        harness.processElement(click("u1", "i1", T0, "e1"), T0);
        harness.processElement(click("u1", "i2", T0 + 1, "e2"), T0);
        assertTrue(drain().isEmpty());
        UserWindow w = state("u1");
        assertEquals(2, w.size());
        assertEquals("i1", w.item(0));
        assertEquals("i2", w.item(1));
        assertEquals(0, w.updateSeq());
    }

    @Test
    void firstModelRefreshesEveryUserAndLaterEventsYieldOneUpdateEach() throws Exception {
        harness.processElement(click("u1", "i1", T0, null), T0);
        harness.processElement(click("u2", "i3", T0, null), T0);
        harness.processElement(click("u2", "i4", T0 + 5, null), T0);
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        List<InterestUpdate> refresh = drain();
        assertEquals(2, refresh.size());
        for (InterestUpdate u : refresh) {
            assertEquals(InterestUpdate.Cause.MODEL, u.cause());
            assertEquals("v1", u.modelVersion());
            assertEquals(1, u.updateSeq());
        }
        InterestUpdate u2 = refresh.stream().filter(u -> u.userId().equals("u2")).findFirst().orElseThrow();
        assertArrayEquals(expected(v1, "u2", "i3", "i4"), u2.vectors());
        assertEquals(T0 + 5, u2.eventTs());

        harness.processElement(click("u2", "i5", T0 + 9, "e9"), T0);
        List<InterestUpdate> out = drain();
        assertEquals(1, out.size());
        InterestUpdate u = out.get(0);
        assertEquals("u2", u.userId());
        assertEquals(InterestUpdate.Cause.EVENT, u.cause());
        assertEquals("e9", u.eventId());
        assertEquals(T0 + 9, u.eventTs());
        assertEquals(2, u.updateSeq());
        assertEquals(3, u.sequenceLength());
        assertArrayEquals(expected(v1, "u2", "i3", "i4", "i5"), u.vectors());
    }

    @Test
    void duplicateEventIdInTheWindowIsIgnored() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        harness.processElement(click("u1", "i1", T0, "e1"), T0);
        harness.processElement(click("u1", "i2", T0 + 1, "e2"), T0);
        harness.processElement(click("u1", "i9", T0 + 2, "e1"), T0);
        // same item and ts but another id: a distinct event, kept
        harness.processElement(click("u1", "i2", T0 + 1, "e3"), T0);
        List<InterestUpdate> out = drain();
        assertEquals(3, out.size());
        assertEquals(List.of(1L, 2L, 3L), out.stream().map(InterestUpdate::updateSeq).toList());
        UserWindow w = state("u1");
        assertEquals(3, w.size());
        assertEquals(List.of("i1", "i2", "i2"), Arrays.asList(w.items()).subList(0, 3));
    }

    /**
     * A cached user's snapshots are written from the cache and the model's ids, without reading the state back; a
     * window holding an item the model does not know is read back for its snapshot (only the state has that id).
     * Either way the state holds the window the events built, duplicates and their keys included.
     */
    @Test
    void aCachedUsersSnapshotsComeFromTheCacheUnlessAnItemIsUnknown() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        InterestUpdater fn = updater(harness);
        UserWindow expected = new UserWindow();
        int events = 3 * WindowLog.COMPACT_EVERY + 5;
        for (int e = 0; e < events; e++) {
            harness.processElement(click("u1", "i" + e % 20, T0 + e, "e" + e), T0);
            expected.insert("i" + e % 20, T0 + e, "e" + e, 8);
        }
        harness.processElement(click("u1", "i3", T0 + events, "e" + (events - 2)), T0); // a duplicate
        assertEquals(0, fn.stateReadBacks(), "every item is known: no read-back");
        assertEquals(behaviours(expected), behaviours(state("u1")));
        // the newest behaviour, and so in the window for the next snapshot: an item the model does not know
        harness.processElement(click("u1", "unknown-1", T0 + 1_000_000, "u1"), T0);
        expected.insert("unknown-1", T0 + 1_000_000, "u1", 8);
        for (int e = 0; e < WindowLog.COMPACT_EVERY; e++) {
            harness.processElement(click("u1", "i" + e % 20, T0 + 2 * events + e, "f" + e), T0);
            expected.insert("i" + e % 20, T0 + 2 * events + e, "f" + e, 8);
        }
        assertEquals(1, fn.stateReadBacks(), "one snapshot with the unknown item in the window");
        UserWindow w = state("u1");
        assertEquals(behaviours(expected), behaviours(w));
        assertEquals("unknown-1", w.item(7));
        assertEquals(events + 1 + WindowLog.COMPACT_EVERY, w.updateSeq(), "the duplicate was not counted");
        assertEquals(events + 1 + WindowLog.COMPACT_EVERY, drain().size());
    }

    /** Item, ts and event-id key of every behaviour. */
    private static List<String> behaviours(UserWindow w) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            out.add(w.item(i) + "@" + w.ts(i) + "#" + w.eventKey(i));
        }
        return out;
    }

    @Test
    void outOfOrderEventsArePlacedByTsAndTiesKeepArrivalOrder() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        harness.processElement(click("u1", "i1", T0 + 10, null), T0);
        harness.processElement(click("u1", "i2", T0 + 30, null), T0);
        harness.processElement(click("u1", "i3", T0 + 20, null), T0);
        harness.processElement(click("u1", "i4", T0 + 20, null), T0);
        harness.processElement(click("u1", "i5", T0, null), T0);
        UserWindow w = state("u1");
        assertEquals(List.of("i5", "i1", "i3", "i4", "i2"), Arrays.asList(w.items()).subList(0, 5));
        List<InterestUpdate> out = drain();
        assertArrayEquals(expected(v1, "u1", "i5", "i1", "i3", "i4", "i2"), out.get(out.size() - 1).vectors());
    }

    @Test
    void windowKeepsTheNewestBehavioursAndUnknownItemsStillYieldUpdates() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        for (int i = 0; i < 12; i++) {
            String item = i % 2 == 0 ? "unknown-" + i : "i" + i;
            harness.processElement(click("u1", item, T0 + i, null), T0);
        }
        List<InterestUpdate> out = drain();
        assertEquals(12, out.size());
        assertEquals(0, out.get(0).count(), "a user with no usable behaviour gets no interests");
        assertEquals(0, out.get(0).sequenceLength());
        UserWindow w = state("u1");
        assertEquals(8, w.size());
        assertEquals("unknown-4", w.item(0));
        InterestUpdate last = out.get(11);
        // of the 8 kept, 4 are known (i5, i7, i9, i11) and L = 5
        assertEquals(4, last.sequenceLength());
        assertEquals(4, last.unknownItems());
        String[] window = Arrays.copyOf(w.items(), w.size());
        assertArrayEquals(new InterestEncoder().encode(v1, "u1", window, window.length).toFlatArray(), last.vectors());
        // an event older than a full window does not enter it, but is still answered
        harness.processElement(click("u1", "i1", T0 - 100, null), T0);
        assertEquals(1, drain().size());
        assertEquals("unknown-4", state("u1").item(0));
    }

    @Test
    void newModelVersionRefreshesAllUsersAndRepublishingIsANoOp() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        harness.processElement(click("u1", "i1", T0, null), T0);
        harness.processElement(click("u2", "i2", T0, null), T0);
        drain();
        harness.processBroadcastElement(TestModels.assembledMessage(v2), T0 + 1);
        List<InterestUpdate> refresh = drain();
        assertEquals(2, refresh.size());
        assertTrue(refresh.stream().allMatch(u -> u.modelVersion().equals("v2") && u.updateSeq() == 2));
        harness.processBroadcastElement(TestModels.assembledMessage(v2), T0 + 2);
        assertTrue(drain().isEmpty(), "republishing the current version changes nothing");
        // rollback: the older bundle published again is a new install
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0 + 3);
        assertTrue(drain().stream().allMatch(u -> u.modelVersion().equals("v1") && u.updateSeq() == 3));
    }

    @Test
    void refreshCanBeSwitchedOff() throws Exception {
        harness.close();
        harness = harness(new InterestUpdater(8, TTL, false), null);
        harness.processElement(click("u1", "i1", T0, null), T0);
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        assertTrue(drain().isEmpty());
        harness.processElement(click("u1", "i2", T0, null), T0);
        assertEquals(2, drain().get(0).sequenceLength());
    }

    @Test
    void badModelsAreRejectedAndTheCurrentModelStays() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        byte[] good = ModelBundle.toPayload(v2);
        byte[] corrupt = good.clone();
        corrupt[corrupt.length / 2] ^= 0x5A;
        // the message checksum covers the corrupt bytes, so only the bundle's own checks can catch it
        harness.processBroadcastElement(ModelMessage.chunk("v2", corrupt, corrupt.length).get(0).encode(), T0);
        // a message whose version disagrees with its bundle
        harness.processBroadcastElement(ModelMessage.chunk("v3", good, good.length).get(0).encode(), T0);
        // not a message at all
        harness.processBroadcastElement(new byte[] {1, 2, 3}, T0);
        // a reference to a file that does not exist
        harness.processBroadcastElement(new ModelMessage.Reference("v4", ModelMessage.chunk("v4", good, good.length)
                .get(0).sha256(), good.length, "file:///nonexistent/model.mindb").encode(), T0);
        harness.processElement(click("u1", "i1", T0, null), T0);
        List<InterestUpdate> out = drain();
        assertEquals(1, out.size());
        assertEquals("v1", out.get(0).modelVersion());
    }

    @Test
    void referencedModelIsLoadedFromTheFileSystem(@TempDir Path dir) throws Exception {
        byte[] payload = ModelBundle.toPayload(v2);
        Path file = dir.resolve("v2.mindb");
        Files.write(file, payload);
        byte[] sha = ModelMessage.chunk("v2", payload, payload.length).get(0).sha256();
        harness.processElement(click("u1", "i1", T0, null), T0);
        harness.processBroadcastElement(
                new ModelMessage.Reference("v2", sha, payload.length, file.toUri().toString()).encode(), T0);
        List<InterestUpdate> out = drain();
        assertEquals(1, out.size());
        assertEquals("v2", out.get(0).modelVersion());
        assertArrayEquals(expected(v2, "u1", "i1"), out.get(0).vectors());
    }

    /**
     * Write-back, as the keyed state sees it: a user's first event since the last checkpoint is written at once (so
     * sparse users add nothing to a checkpoint's synchronous phase), the following ones with the checkpoint; a user
     * with two or more events in the previous interval (busy: dirty at the next checkpoint anyway) waits from its
     * first event on, until an interval with one event makes it sparse again.
     */
    @Test
    void aUsersFirstEventPerCheckpointIsWrittenAtOnceUnlessTheUserWasBusy() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        harness.processElement(click("a", "i1", T0 + 1, "e1"), T0 + 1);
        harness.processElement(click("a", "i2", T0 + 2, "e2"), T0 + 2);
        harness.processElement(click("a", "i3", T0 + 3, "e3"), T0 + 3);
        assertEquals(3, drain().size());
        assertEquals(1, stateAsWritten("a").size(), "only the first event is in the state before a checkpoint");
        harness.snapshot(1, T0 + 4);
        assertEquals(3, stateAsWritten("a").size(), "the checkpoint wrote the other two");
        // the next interval: "a" was busy, so even its first event waits; a new user's is written at once
        harness.processElement(click("a", "i4", T0 + 5, "e4"), T0 + 5);
        harness.processElement(click("b", "i4", T0 + 5, "b1"), T0 + 5);
        assertEquals(3, stateAsWritten("a").size(), "a busy user's first event waits for the checkpoint");
        assertEquals(1, stateAsWritten("b").size());
        harness.processElement(click("a", "i5", T0 + 6, "e5"), T0 + 6);
        harness.snapshot(2, T0 + 7);
        assertEquals(5, stateAsWritten("a").size());
        // two events in that interval: still busy
        harness.processElement(click("a", "i6", T0 + 8, "e6"), T0 + 8);
        assertEquals(5, stateAsWritten("a").size());
        harness.snapshot(3, T0 + 9);
        assertEquals(6, stateAsWritten("a").size());
        // one event in that interval: sparse again, written at once
        harness.processElement(click("a", "i7", T0 + 10, "e7"), T0 + 10);
        assertEquals(7, stateAsWritten("a").size());
        assertEquals(6, updater(harness).stateWrites(),
                "a: a snapshot and a batch, a batch, a delta, a delta; b: a snapshot");
    }

    /** The user's window in the keyed state as it is, without writing what the cache holds first. */
    private UserWindow stateAsWritten(String user) throws Exception {
        harness.getOperator().setCurrentKey(user);
        UserWindow w = new UserWindow();
        return new WindowLog().read(harness.getOperator().getKeyedStateStore()
                .getListState(WindowLog.descriptor()).get(), w, 8) < 0 ? null : w;
    }

    @Test
    void modelAndWindowsSurviveSnapshotAndRestore() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        harness.processElement(click("u1", "i1", T0, "a"), T0);
        harness.processElement(click("u1", "i2", T0 + 1, "b"), T0);
        OperatorSubtaskState snapshot = harness.snapshot(1, T0);
        harness.close();
        drain();

        harness = harness(new InterestUpdater(8, TTL, true), snapshot);
        harness.processElement(click("u1", "i2", T0 + 1, "b"), T0);
        assertTrue(drain().isEmpty(), "the restored window still de-duplicates");
        harness.processElement(click("u1", "i3", T0 + 2, "c"), T0);
        List<InterestUpdate> out = drain();
        assertEquals(1, out.size());
        assertEquals("v1", out.get(0).modelVersion(), "the model was restored from broadcast state");
        assertEquals(3, out.get(0).updateSeq());
        assertArrayEquals(expected(v1, "u1", "i1", "i2", "i3"), out.get(0).vectors());
    }

    @Test
    void windowsWrittenByTheEarlierValueStateLayoutMoveToTheLogOnTheUsersNextEvent() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        // state as the earlier version left it: one UserWindow value per user
        var legacy = harness.getOperator().getKeyedStateStore()
                .getState(InterestUpdater.legacyWindowDescriptor(TTL));
        for (String user : new String[] {"old1", "old2"}) {
            harness.getOperator().setCurrentKey(user);
            UserWindow w = new UserWindow();
            w.insert("i1", T0 - 20, "a", 8);
            w.insert("i2", T0 - 10, "b", 8);
            w.setUpdateSeq(7);
            w.setLastEventAt(T0 - 10);
            legacy.update(w);
        }
        // a duplicate of an event of the old window is still recognised
        harness.processElement(click("old1", "i2", T0 - 10, "b"), T0);
        assertTrue(drain().isEmpty());
        harness.processElement(click("old1", "i3", T0, "c"), T0);
        InterestUpdate u = drain().get(0);
        assertEquals(8, u.updateSeq(), "the counter continues");
        assertArrayEquals(expected(v1, "old1", "i1", "i2", "i3"), u.vectors());
        harness.getOperator().setCurrentKey("old1");
        assertNull(legacy.value(), "moved out of the old state");
        assertEquals(3, state("old1").size());
        // a refresh reaches both the moved user and the one still in the old layout
        harness.processBroadcastElement(TestModels.assembledMessage(v2), T0 + 1);
        List<InterestUpdate> refresh = drain();
        assertEquals(List.of("old1", "old2"), refresh.stream().map(InterestUpdate::userId).sorted().toList());
        InterestUpdate old2 = refresh.stream().filter(r -> r.userId().equals("old2")).findFirst().orElseThrow();
        assertEquals(8, old2.updateSeq());
        assertArrayEquals(expected(v2, "old2", "i1", "i2"), old2.vectors());
        harness.processElement(click("old2", "i4", T0 + 2, "d"), T0 + 2);
        assertEquals(9, drain().get(0).updateSeq());
        assertEquals(3, state("old2").size());
    }

    @Test
    void inactiveUsersExpireAfterTheTtl() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        harness.processElement(click("u1", "i1", T0, null), T0);
        harness.processElement(click("u2", "i2", T0, null), T0);
        long later = T0 + TTL.toMillis() / 2;
        harness.setProcessingTime(later);
        harness.setStateTtlProcessingTime(later);
        harness.processElement(click("u2", "i3", T0 + 1, null), later);
        drain();
        long expired = T0 + TTL.toMillis() + 1;
        // the background clean-up fires within 1/64 of the TTL after it is due
        harness.setProcessingTime(expired + TTL.toMillis() / 64);
        assertNull(state("u1"), "u1 was idle for longer than the TTL");
        assertEquals(2, state("u2").size());
        // a model refresh emits only the live user
        harness.processBroadcastElement(TestModels.assembledMessage(v2), expired);
        List<InterestUpdate> refresh = drain();
        assertEquals(List.of("u2"), refresh.stream().map(InterestUpdate::userId).toList());
        // u1 starts over
        harness.processElement(click("u1", "i4", T0 + 2, null), expired);
        InterestUpdate u1 = drain().get(0);
        assertEquals(1, u1.sequenceLength());
        assertEquals(1, u1.updateSeq());
    }

    @Test
    void backgroundCleanupRearmsWhileTheUserActsAndDropsTheUserOnceIdle() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        long t = T0;
        // one event every 0.4 TTL for 3 TTLs: every timer that fires finds the user active and re-arms
        for (int i = 0; i < 8; i++) {
            harness.setProcessingTime(t);
            harness.processElement(click("u1", "i" + (i % 10), t, "e" + i), t);
            assertEquals(Math.min(i + 1, 8), state("u1").size(), "at event " + i);
            t += TTL.toMillis() * 4 / 10;
        }
        long last = t - TTL.toMillis() * 4 / 10;
        harness.setProcessingTime(last + TTL.toMillis() - 1);
        assertEquals(8, state("u1").size(), "not yet idle for the TTL");
        harness.setProcessingTime(InterestUpdater.cleanupTime(last, TTL.toMillis()));
        assertNull(state("u1"), "idle for the TTL");
    }

    @Test
    void refreshDropsUsersWhoseTtlPassedEvenBeforeFlinkCleansThemUp() throws Exception {
        harness.processBroadcastElement(TestModels.assembledMessage(v1), T0);
        for (int u = 0; u < 20; u++) {
            harness.processElement(click("u" + u, "i" + (u % 10), T0, null), T0);
        }
        long later = T0 + TTL.toMillis() / 2;
        harness.setProcessingTime(later);
        for (int u = 0; u < 20; u += 2) {
            harness.processElement(click("u" + u, "i1", T0 + 1, null), later);
        }
        drain();
        // the job's clock passes the TTL of the odd users; Flink's TTL clock has not moved yet
        harness.setProcessingTime(T0 + TTL.toMillis() + 1);
        harness.processBroadcastElement(TestModels.assembledMessage(v2), T0 + TTL.toMillis() + 1);
        List<String> refreshed = drain().stream().map(InterestUpdate::userId).sorted().toList();
        assertEquals(10, refreshed.size());
        assertTrue(refreshed.stream().allMatch(u -> Integer.parseInt(u.substring(1)) % 2 == 0), refreshed.toString());
        assertNull(state("u1"), "cleared");
        assertEquals(2, state("u2").size());
    }

    /**
     * The window cache must not change a single output or state byte: one random stream (duplicates, events out of
     * order and outside the window, unknown items, users idle past the TTL, timers, events before any model, model
     * swaps with and without refreshes, a model with another vocabulary, a snapshot and restore) goes through the
     * updater without a cache, with a cache small enough to evict all the time, and with the default one.
     */
    @ParameterizedTest(name = "refresh on model change: {0}")
    @ValueSource(booleans = {true, false})
    void theWindowCacheChangesNoOutputAndNoState(boolean refresh) throws Exception {
        harness.close();
        // a vocabulary of its own: it also knows i20..i23
        MindModel v3 = TestModels.model("v3", 24, 3);
        long one = WindowCache.ENTRY_OVERHEAD_BYTES + new CachedWindow(9).retainedBytes()
                + WindowCache.PENDING_OVERHEAD_BYTES + WindowCache.PENDING_INITIAL_BYTES;
        long[] budgets = {0, 3 * one, JobOptions.DEFAULT_WINDOW_CACHE_BYTES};
        List<List<String>> outputs = new java.util.ArrayList<>();
        List<List<String>> states = new java.util.ArrayList<>();
        List<Long> writes = new java.util.ArrayList<>();
        for (long budget : budgets) {
            List<String> out = new java.util.ArrayList<>();
            java.util.Random random = new java.util.Random(11);
            InterestUpdater fn = new InterestUpdater(8, TTL, refresh, budget);
            harness = harness(fn, null);
            long now = T0;
            for (int step = 0; step < 3_000; step++) {
                int action = random.nextInt(1000);
                if (step == 1_500) {
                    OperatorSubtaskState snapshot = harness.snapshot(step, now);
                    harness.close();
                    fn = new InterestUpdater(8, TTL, refresh, budget);
                    harness = harness(fn, snapshot);
                    harness.setProcessingTime(now);
                    harness.setStateTtlProcessingTime(now);
                } else if (step == 100 || step == 1_900 || step == 2_000 || step == 2_300 || step == 2_600) {
                    // a first model, a new version, its republication (a no-op), another vocabulary, the first
                    // version again
                    MindModel m = step == 100 || step == 2_600 ? v1 : step == 2_300 ? v3 : v2;
                    harness.processBroadcastElement(TestModels.assembledMessage(m), now);
                } else if (action < 2) {
                    // long enough for some users to pass their TTL: timers fire, later events start over
                    now += TTL.toMillis() / 3 + random.nextInt(60_000);
                    harness.setProcessingTime(now);
                    harness.setStateTtlProcessingTime(now);
                } else {
                    now += random.nextInt(2_000);
                    harness.setProcessingTime(now);
                    String user = "u" + random.nextInt(10);
                    String item = "i" + random.nextInt(26); // the models know i0..i19
                    long ts = now - random.nextInt(120_000); // out of order, sometimes older than a full window
                    String eventId = random.nextInt(10) == 0 ? null : "e" + random.nextInt(step + 1);
                    harness.processElement(click(user, item, ts, eventId), now);
                }
                List<String> emitted = new java.util.ArrayList<>();
                for (InterestUpdate u : drain()) {
                    emitted.add(u.userId() + "#" + u.updateSeq() + " " + u.modelVersion() + " " + u.cause() + " "
                            + u.eventId() + "@" + u.eventTs() + " n=" + u.sequenceLength() + " unknown="
                            + u.unknownItems() + " at=" + u.updatedAt() + " " + Arrays.toString(u.vectors()));
                }
                java.util.Collections.sort(emitted);
                out.addAll(emitted);
            }
            WindowCache cache = fn.windowCache();
            if (budget == 3 * one) {
                assertTrue(cache.evictions() > 100, "the small cache evicted: " + cache.evictions());
            } else if (budget > 0) {
                assertTrue(cache.size() > 5, "the default cache holds the active users: " + cache.size());
            }
            writes.add(fn.stateWrites());
            List<String> state = new java.util.ArrayList<>();
            for (int u = 0; u < 10; u++) {
                UserWindow w = window(harness, "u" + u, 8);
                int entries = 0;
                Iterable<byte[]> log = harness.getOperator().getKeyedStateStore()
                        .getListState(WindowLog.descriptor()).get();
                for (byte[] ignored : log == null ? List.<byte[]>of() : log) {
                    entries++;
                }
                // a snapshot replaces the log every COMPACT_EVERY deltas, cached or not
                assertTrue(w == null ? entries == 0 : entries >= 1 && entries <= 1 + WindowLog.COMPACT_EVERY,
                        "u" + u + "'s log with a cache of " + budget + " bytes has " + entries + " entries");
                state.add("u" + u + "=" + (w == null ? "none" : w + " at " + w.lastEventAt()));
            }
            harness.close();
            outputs.add(out);
            states.add(state);
        }
        assertTrue(outputs.get(0).size() > 2_000, "the stream produced updates: " + outputs.get(0).size());
        for (int i = 1; i < budgets.length; i++) {
            assertSameLines(outputs.get(0), outputs.get(i), "outputs with a cache of " + budgets[i] + " bytes");
            assertSameLines(states.get(0), states.get(i), "state with a cache of " + budgets[i] + " bytes");
        }
        // without a cache every event writes; with one that holds every user, the writes wait for a checkpoint, a
        // refresh or an expiry (the counters are those of the updater restored half-way)
        assertTrue(writes.get(0) > 1_000, "writes without a cache after the restore: " + writes.get(0));
        assertTrue(writes.get(2) * 4 < writes.get(0), "writes with the default cache: " + writes);
        harness = harness(new InterestUpdater(8, TTL, true), null);
    }

    /** Equal lists, reported by their first difference (the lists are long). */
    private static void assertSameLines(List<String> expected, List<String> actual, String what) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertEquals(expected.get(i), actual.get(i), what + ", line " + i);
        }
        assertEquals(expected.size(), actual.size(), what + ": line count");
    }
}
