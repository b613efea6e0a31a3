package io.mindstream.job;

import io.mindstream.model.ItemIndex;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's compact window against the decoded one it stands for, and its event-id keys. */
class CachedWindowTest {

    private static final ItemIndex INDEX = new ItemIndex(new String[] {"i0", "i1", "i2", "i3", "i4", "i5"});

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long key(String eventId) {
        return UserWindow.eventKey(eventId);
    }

    /** Both windows get the same events (out of order, some too old, unknown items, no ids) and agree throughout. */
    @Test
    void insertKeepsTheOrderAndCapacityOfTheDecodedWindow() {
        SplittableRandom r = new SplittableRandom(5);
        int capacity = 20;
        UserWindow full = new UserWindow();
        CachedWindow cached = new CachedWindow(4);
        for (int e = 0; e < 5_000; e++) {
            long ts = 1_000L * e - (r.nextInt(3) == 0 ? r.nextInt(40_000) : 0);
            byte[] item = utf8("i" + r.nextInt(8)); // i6 and i7 are unknown
            byte[] id = r.nextInt(6) == 0 ? null : utf8("ev" + e);
            int row = INDEX.rowOf(item, 0, item.length);
            long key = id == null ? UserWindow.NO_EVENT : UserWindow.eventKey(id, 0, id.length);
            boolean entered = full.insert(item, 0, item.length, ts, key, row, INDEX.fingerprint(), capacity);
            assertEquals(entered, cached.insert(ts, row, INDEX.fingerprint(), key, capacity), "event " + e);
            assertEquals(full.size(), cached.size(), "event " + e);
            if (e % 97 == 0) {
                for (int i = 0; i < full.size(); i++) {
                    assertEquals(full.ts(i), cached.ts(i), "behaviour " + i + " after event " + e);
                    assertEquals(full.rowOf(i, INDEX), cached.rowOf(i, INDEX), "behaviour " + i + " after event " + e);
                    assertEquals(full.eventKey(i), cached.eventKey(i), "behaviour " + i + " after event " + e);
                    assertEquals(full.eventKey(i) != UserWindow.NO_EVENT, cached.containsEvent(full.eventKey(i)));
                }
            }
        }
        assertFalse(cached.containsEvent(key("ev-not-there")));
        assertFalse(cached.containsEvent(key("ev0")), "ev0 left the window long ago");
    }

    /** Two windows in neighbouring slots of the same slabs stay apart; one that outgrows its slot moves out. */
    @Test
    void windowsInSlotsOfSharedSlabsStayApart() {
        long[] ts = new long[8];
        int[] rows = new int[8];
        long[] keys = new long[8];
        CachedWindow a = new CachedWindow(ts, rows, keys, 0, 4);
        CachedWindow b = new CachedWindow(ts, rows, keys, 4, 4);
        for (int i = 0; i < 10; i++) {
            a.insert(i, i % 6, INDEX.fingerprint(), key("a" + i), 3);
            b.insert(100 + i, 5 - i % 6, INDEX.fingerprint(), key("b" + i), 3);
        }
        assertEquals(List.of(7L, 8L, 9L), List.of(a.ts(0), a.ts(1), a.ts(2)));
        assertEquals(List.of(107L, 108L, 109L), List.of(b.ts(0), b.ts(1), b.ts(2)));
        assertEquals(2, b.rowOf(2, INDEX)); // 5 - 9 % 6
        assertTrue(a.containsEvent(key("a9")));
        assertFalse(a.containsEvent(key("b9")), "b's keys are not a's");
        // a capacity beyond the slot: a moves to arrays of its own and b keeps its behaviours
        for (int i = 10; i < 20; i++) {
            assertTrue(a.insert(i, 1, INDEX.fingerprint(), key("a" + i), 10));
        }
        assertFalse(a.slotted());
        assertTrue(b.slotted());
        assertEquals(10, a.size());
        assertEquals(10, a.ts(0));
        assertEquals(19, a.ts(9));
        assertEquals(List.of(107L, 108L, 109L), List.of(b.ts(0), b.ts(1), b.ts(2)));
        assertThrows(IllegalArgumentException.class, () -> new CachedWindow(ts, rows, keys, 6, 4));
    }

    @Test
    void setFromCopiesTheWindowWithItsRowsCounterAndClock() {
        UserWindow full = new UserWindow();
        full.insert("i3", 10, "a", 10);
        full.insert("i9", 5, null, 10);
        full.insert("i1", 20, "b", 10);
        full.setUpdateSeq(7);
        full.setLastEventAt(1234);
        CachedWindow cached = new CachedWindow(1);
        cached.setFrom(full, INDEX);
        assertEquals(3, cached.length());
        assertEquals(5, cached.ts(0));
        assertEquals(-1, cached.rowOf(0, INDEX), "i9 is unknown");
        assertEquals(3, cached.rowOf(1, INDEX));
        assertEquals(1, cached.rowOf(2, INDEX));
        assertTrue(cached.containsEvent(key("a")));
        assertTrue(cached.containsEvent(key("b")));
        assertEquals(7, cached.updateSeq());
        assertEquals(8, cached.nextUpdateSeq());
        assertEquals(1234, cached.lastEventAt());
        assertTrue(cached.retainedBytes() >= 20L * 3);
        cached.clear();
        assertEquals(0, cached.length());
        assertEquals(0, cached.updateSeq());
    }

    @Test
    void rowsHoldUnderTheirVocabularyOnly() {
        ItemIndex other = new ItemIndex(new String[] {"i0", "i1", "i2"});
        CachedWindow w = new CachedWindow(4);
        w.insert(1, 2, INDEX.fingerprint(), UserWindow.NO_EVENT, 10);
        assertEquals(2, w.rowOf(0, INDEX));
        assertThrows(IllegalStateException.class, () -> w.rowOf(0, other));
        assertThrows(IllegalStateException.class, () -> w.insert(2, 1, other.fingerprint(), UserWindow.NO_EVENT, 10));
        // behaviours before any model are not resolved, and cannot be read as if they were
        CachedWindow unresolved = new CachedWindow(4);
        unresolved.insert(1, -1, 0, UserWindow.NO_EVENT, 10);
        assertThrows(IllegalStateException.class, () -> unresolved.rowOf(0, INDEX));
        // an emptied window takes any vocabulary
        w.clear();
        w.insert(2, 1, other.fingerprint(), UserWindow.NO_EVENT, 10);
        assertEquals(1, w.rowOf(0, other));
    }

    /**
     * A snapshot written from the cache and the model's ids is byte for byte the snapshot of the decoded window it
     * stands for, over random windows (out of order, ids or none, an emptied and a single-behaviour window); a window
     * with an unknown item, or resolved under no or another vocabulary, is not written from the cache.
     */
    @Test
    void aSnapshotFromTheCacheIsTheDecodedWindowsSnapshot() throws Exception {
        SplittableRandom r = new SplittableRandom(17);
        String[] ids = new String[300];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i % 5 == 0 ? "ünïcødé-" : "item-") + i + "x".repeat(r.nextInt(140));
        }
        ItemIndex index = new ItemIndex(ids);
        WindowLog log = new WindowLog();
        for (int round = 0; round < 200; round++) {
            int capacity = 1 + r.nextInt(120);
            UserWindow full = new UserWindow();
            CachedWindow cached = new CachedWindow(1 + r.nextInt(8));
            int events = r.nextInt(3 * capacity);
            for (int e = 0; e < events; e++) {
                int row = r.nextInt(ids.length);
                byte[] item = utf8(ids[row]);
                long ts = 1_700_000_000_000L + 1_000L * e - (r.nextInt(4) == 0 ? r.nextInt(90_000) : 0);
                long key = r.nextInt(5) == 0 ? UserWindow.NO_EVENT : key("ev-" + round + "-" + e);
                full.insert(item, 0, item.length, ts, key, row, index.fingerprint(), capacity);
                cached.insert(ts, row, index.fingerprint(), key, capacity);
                full.nextUpdateSeq();
                cached.nextUpdateSeq();
                full.setLastEventAt(ts + 5);
                cached.setLastEventAt(ts + 5);
            }
            byte[] fromCache = log.snapshot(cached, index);
            byte[] decoded = log.snapshot(full);
            assertTrue(java.util.Arrays.equals(decoded, fromCache), "round " + round + ", " + events + " events");
            UserWindow back = new UserWindow();
            UserWindowSerializer.INSTANCE.readInto(fromCache, back);
            assertEquals(full, back);
        }
        CachedWindow unknown = new CachedWindow(4);
        unknown.insert(1, 3, index.fingerprint(), key("a"), 10);
        unknown.insert(2, -1, index.fingerprint(), key("b"), 10);
        assertEquals(null, log.snapshot(unknown, index), "an unknown item's id is only in the state");
        unknown.insert(3, 4, index.fingerprint(), key("c"), 2);
        assertEquals(null, log.snapshot(unknown, index), "the unknown item is still one of the newest two");
        unknown.insert(4, 5, index.fingerprint(), key("d"), 2);
        assertTrue(log.snapshot(unknown, index) != null, "the unknown item left the window");
        CachedWindow noModel = new CachedWindow(4);
        noModel.insert(1, -1, 0, key("a"), 10);
        assertEquals(null, log.snapshot(noModel, index));
        CachedWindow otherVocabulary = new CachedWindow(4);
        otherVocabulary.insert(1, 1, INDEX.fingerprint(), key("a"), 10);
        assertEquals(null, log.snapshot(otherVocabulary, index));
    }

    /** Equal ids give equal keys; a million near ids of every length give no equal keys and never the "none" key. */
    @Test
    void eventKeysSeparateNearIds() {
        assertEquals(key("order-42"), UserWindow.eventKey(utf8("xxorder-42yy"), 2, 8));
        Map<Long, String> seen = new HashMap<>();
        for (int i = 0; i < 1_000_000; i++) {
            String id = i % 3 == 0 ? Integer.toHexString(i) : i % 3 == 1 ? "e-" + i : "7a2c9f04-1b3e-4d5f-8a6b-" + i;
            long k = key(id);
            assertNotEquals(UserWindow.NO_EVENT, k);
            String before = seen.put(k, id);
            assertTrue(before == null, "ids " + before + " and " + id + " share a key");
        }
        assertNotEquals(key(""), key("\0"), "the length counts");
        assertNotEquals(key("abcdefgh"), key("abcdefgh\0"));
    }
}
