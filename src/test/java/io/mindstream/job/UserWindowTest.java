package io.mindstream.job;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window's rules (order, capacity, de-duplication) against a plain list model, and its byte arena. */
class UserWindowTest {

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
            assertEquals(model.get(i).eventId(), w.eventId(i));
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
        assertEquals("", w.eventId(0));
        assertNull(w.eventId(1));
        assertTrue(w.containsEvent(""));
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
     * The exact id check behind the cache's keys must find every id however the window got it (inserted, decoded
     * from a snapshot, replayed from a log, copied) and after inserts and drops moved them.
     */
    @Test
    void everyEventIdIsFoundWhateverWroteIt() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        UserWindow inserted = new UserWindow();
        WindowLog log = new WindowLog();
        List<byte[]> entries = new ArrayList<>();
        entries.add(log.snapshot(inserted));
        for (int e = 0; e < 300; e++) {
            String eventId = r.nextInt(6) == 0 ? null : "ev-" + r.nextInt(1_000);
            long ts = 1_000L * e - r.nextInt(50_000);
            byte[] item = ("i" + e % 13).getBytes(StandardCharsets.UTF_8);
            byte[] id = eventId == null ? null : eventId.getBytes(StandardCharsets.UTF_8);
            if (inserted.insert(item, 0, item.length, ts, id, 0, id == null ? -1 : id.length, -1, 0, 40)) {
                inserted.nextUpdateSeq();
                entries.add(log.delta(item, ts, id, inserted.updateSeq(), 0, -1, 0));
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
                    for (int i = 0; i < w.size(); i++) {
                        if (w.eventId(i) != null) {
                            assertTrue(w.containsEvent(w.eventId(i)), "event " + w.eventId(i) + " at " + i);
                        }
                    }
                    assertFalse(w.containsEvent("ev-1000"));
                    assertFalse(w.containsEvent("ev-"));
                }
                // then a decoded window takes inserts of its own: old and new ids are found
                decoded.insert("x", 1_000_000L + e, "new-" + e, 40);
                assertTrue(decoded.containsEvent("new-" + e));
                assertTrue(decoded.containsEvent(decoded.eventId(decoded.size() - 2) == null
                        ? "new-" + e : decoded.eventId(decoded.size() - 2)));
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
                    live += w.item(i).length() + w.eventId(i).length();
                }
            }
            if (e > 1_000) {
                // ids' bytes at most ~2x the live ones, arrays at the capacity plus one
                assertTrue(w.retainedBytes() <= 64 + 7 * 16 + 36L * 101 + 2L * live + 64,
                        "at event " + e + ": " + w.retainedBytes() + " bytes for " + live + " live id bytes");
            }
        }
        assertEquals(100, w.size());
        assertEquals("item-" + (19_999 % 977), w.item(99));
    }
}
