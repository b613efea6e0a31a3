package io.mindstream.job;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window's rules (order, capacity, de-duplication) against a plain list model, and its byte arena. */
class UserWindowTest {

    private static final long PINNED_EMPTY = 0xCE5BDB2FA5C228BFL;
    private static final long PINNED_SHORT = 0x7F0CDAE25C24144BL;
    private static final long PINNED_LONG = 0xB0D11F6B0FA6211EL;

    private record Behaviour(String item, long ts, String eventId) {
    }

    @Test
    void behavesLikeAnOrderedBoundedListOverManyEventsWithLongAndUnicodeIds() {
        SplittableRandom r = new SplittableRandom(11);
        int capacity = 50;
        UserWindow w = new UserWindow();
        List<Behaviour> model = new ArrayList<>();
        for (int e = 0; e < 20_000; e++) {
            long ts = 1_000L * e - (r.nextInt(3) == 0 ? r.nextInt(100_000) : 0);
            // ids of 1 to ~300 bytes make the arena fill and compact many times
            String item = "i".repeat(1 + r.nextInt(r.nextInt(20) == 0 ? 300 : 12)) + (r.nextBoolean() ? "é" : "") + e % 97;
            String eventId = r.nextInt(8) == 0 ? null : "ev" + e;
            // model: insert after everything with ts <= the event's, drop the oldest beyond capacity
            int at = model.size();
            while (at > 0 && model.get(at - 1).ts() > ts) {
                at--;
            }
            boolean entered = !(model.size() >= capacity && at == 0);
            if (entered) {
                model.add(at, new Behaviour(item, ts, eventId));
                while (model.size() > capacity) {
                    model.remove(0);
                }
            }
            assertEquals(entered, w.insert(item, ts, eventId, capacity), "event " + e);
            assertEquals(model.size(), w.size());
        }
        for (int i = 0; i < model.size(); i++) {
            assertEquals(model.get(i).item(), w.item(i));
            assertEquals(model.get(i).ts(), w.ts(i));
            assertEquals(UserWindow.eventKey(model.get(i).eventId()), w.eventKey(i));
            byte[] id = model.get(i).item().getBytes(StandardCharsets.UTF_8);
            assertTrue(java.util.Arrays.equals(id, 0, id.length, w.idBytes(), w.idOffset(i), w.idOffset(i) + w.idLength(i)));
            if (model.get(i).eventId() != null) {
                assertTrue(w.containsEvent(model.get(i).eventId()));
            }
        }
        assertFalse(w.containsEvent("ev-not-there"));
        assertFalse(w.containsEvent((String) null));
        // the arena stays proportional to the live ids, not to the history
        assertTrue(w.idBytes().length < 64 * 1024, w.idBytes().length + " bytes of arena");
    }

    @Test
    void emptyAndMissingEventIdsAreDistinct() {
        UserWindow w = new UserWindow();
        w.insert("a", 1, "", 10);
        w.insert("b", 2, null, 10);
        assertNotEquals(UserWindow.NO_EVENT, w.eventKey(0));
        assertEquals(UserWindow.eventKey(""), w.eventKey(0));
        assertEquals(UserWindow.NO_EVENT, w.eventKey(1));
        assertTrue(w.containsEvent(""));
        assertFalse(w.containsEvent(UserWindow.NO_EVENT), "no event id is never a duplicate");
    }

    /** The key is part of the state format (snapshot format 4): pinned, so that a change cannot pass unnoticed. */
    @Test
    void eventKeysArePinned() {
        assertEquals(UserWindow.eventKey(""), UserWindow.eventKey(new byte[0], 0, 0));
        byte[] framed = "xxevent-42yy".getBytes(StandardCharsets.UTF_8);
        assertEquals(UserWindow.eventKey("event-42"), UserWindow.eventKey(framed, 2, 8));
        assertEquals(PINNED_EMPTY, UserWindow.eventKey(""));
        assertEquals(PINNED_SHORT, UserWindow.eventKey("e1"));
        assertEquals(PINNED_LONG, UserWindow.eventKey("9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b"));
    }

    @Test
    void clearAndSetFromReuseTheArraysAndCopyExactly() {
        UserWindow a = UserWindowSerializerTest.window(40, true);
        UserWindow b = new UserWindow();
        b.insert("old", 1, "x", 10);
        b.setFrom(a);
        assertEquals(a, b);
        assertEquals(a.copy(), b);
        b.clear();
        assertEquals(0, b.size());
        assertEquals(0, b.updateSeq());
        assertEquals(-1, b.newestTs());
        assertThrows(IndexOutOfBoundsException.class, () -> b.item(0));
    }

    /**
     * De-duplication must find every id however the window got it (inserted, decoded from a snapshot, replayed from
     * a log's ids, copied) and after inserts and drops moved them.
     */
    @Test
    void everyEventIdIsFoundWhateverWroteIt() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        List<String> ids = new ArrayList<>();
        UserWindow inserted = new UserWindow();
        WindowLog log = new WindowLog();
        List<byte[]> entries = new ArrayList<>();
        entries.add(log.snapshot(inserted));
        for (int e = 0; e < 300; e++) {
            String eventId = r.nextInt(6) == 0 ? null : "ev-" + r.nextInt(1_000);
            long ts = 1_000L * e - r.nextInt(50_000);
            byte[] item = ("i" + e % 13).getBytes(StandardCharsets.UTF_8);
            byte[] id = eventId == null ? null : eventId.getBytes(StandardCharsets.UTF_8);
            if (inserted.insert(item, 0, item.length, ts, UserWindow.eventKey(eventId), -1, 0, 40)) {
                inserted.nextUpdateSeq();
                entries.add(log.delta(item, ts, id, inserted.updateSeq(), 0, -1, 0));
                if (eventId != null) {
                    ids.add(eventId);
                }
            }
            if (e % 50 == 49) {
                UserWindow decoded = new UserWindow();
                UserWindowSerializer.INSTANCE.readInto(log.snapshot(inserted), decoded);
                UserWindow replayed = new UserWindow();
                log.read(entries, replayed, 40);
                UserWindow copied = new UserWindow();
                copied.setFrom(decoded);
                for (UserWindow w : List.of(inserted, decoded, replayed, copied)) {
                    assertEquals(inserted, w);
                    // equal windows have equal keys (equals compares them); each key is an id's, and found by it
                    Set<Long> held = new HashSet<>();
                    for (int i = 0; i < w.size(); i++) {
                        if (w.eventKey(i) != UserWindow.NO_EVENT) {
                            held.add(w.eventKey(i));
                        }
                    }
                    Set<Long> known = new HashSet<>();
                    for (String seen : ids) {
                        known.add(UserWindow.eventKey(seen));
                        assertEquals(held.contains(UserWindow.eventKey(seen)), w.containsEvent(seen), seen);
                    }
                    assertTrue(known.containsAll(held));
                    assertFalse(held.isEmpty());
                    assertFalse(w.containsEvent("ev-1000"));
                    assertFalse(w.containsEvent("ev-"));
                }
                // then a decoded window takes inserts of its own: old and new ids are found
                long oldKey = decoded.eventKey(decoded.size() - 1);
                decoded.insert("x", 1_000_000L + e, "new-" + e, 40);
                assertTrue(decoded.containsEvent("new-" + e));
                assertTrue(oldKey == UserWindow.NO_EVENT || decoded.containsEvent(oldKey));
            }
        }
    }

    /** A reused window (the updater's scratch) turning over its ids keeps a bounded footprint. */
    @Test
    void aFullWindowTurningOverKeepsItsFootprintBounded() {
        UserWindow w = new UserWindow(101);
        int live = 0;
        for (int e = 0; e < 20_000; e++) {
            w.insert("item-" + (e % 977), 1_000L * e, "event-" + e + "-abcdefgh", 100);
            if (e == 1_000) {
                live = 0;
                for (int i = 0; i < w.size(); i++) {
                    live += w.item(i).length();
                }
            }
            if (e > 1_000) {
                // ids' bytes at most ~2x the live ones, arrays at the capacity plus one
                // (or the arena it started with: 16 bytes per behaviour)
                assertTrue(w.retainedBytes() <= 64 + 6 * 16 + 28L * 101 + Math.max(2L * live, 16L * 101) + 64,
                        "at event " + e + ": " + w.retainedBytes() + " bytes for " + live + " live id bytes");
            }
        }
        assertEquals(100, w.size());
        assertEquals("item-" + (19_999 % 977), w.item(99));
    }
}
