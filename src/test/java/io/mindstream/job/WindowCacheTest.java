package io.mindstream.job;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The updater's window cache on its own: accounting, CLOCK eviction, recycling, the disabled mode. */
class WindowCacheTest {

    private static final int CAPACITY = 10;

    /** Caches a window of {@code behaviours} behaviours for the user and returns its entry. */
    private static WindowCache.Entry admit(WindowCache cache, String user, int behaviours) {
        assertNull(cache.get(user), user + " is not cached yet");
        WindowCache.Entry e = cache.take();
        e.window.clear();
        for (int i = 0; i < behaviours; i++) {
            insert(e.window, i, CAPACITY);
        }
        e.deltas = behaviours;
        cache.store(user, e);
        return e;
    }

    /** Inserts a behaviour at ts {@code i} with event id "event-i" (rows unresolved). */
    private static void insert(CachedWindow w, int i, int capacity) {
        byte[] id = ("event-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        w.insert(i, i, 0, UserWindow.eventKey(id, 0, id.length), capacity);
    }

    /** What {@link #admit} accounts for a user with that many behaviours (its window in a slot of the slabs). */
    private static long entryBytes(String user, int behaviours) {
        CachedWindow w = new CachedWindow(new long[CAPACITY + 1], new int[CAPACITY + 1], new long[CAPACITY + 1], 0,
                CAPACITY + 1);
        for (int i = 0; i < behaviours; i++) {
            insert(w, i, CAPACITY);
        }
        return entryBytes(user, w);
    }

    private static long entryBytes(String user, CachedWindow w) {
        // an entry's batch of pending deltas starts with a small buffer
        return WindowCache.ENTRY_OVERHEAD_BYTES + 2L * user.length() + w.retainedBytes()
                + WindowCache.PENDING_OVERHEAD_BYTES + WindowCache.PENDING_INITIAL_BYTES;
    }

    @Test
    void storedWindowsAreFoundWithTheirDeltasAndAccountedInBytes() {
        WindowCache cache = new WindowCache(1 << 20, CAPACITY);
        WindowCache.Entry a = admit(cache, "a", 3);
        WindowCache.Entry b = admit(cache, "b", 5);
        assertSame(a, cache.get("a"));
        assertEquals(3, cache.get("a").window.size());
        assertEquals(5, cache.get("b").deltas);
        assertEquals(2, cache.size());
        assertEquals(entryBytes("a", a.window) + entryBytes("b", b.window), cache.bytes());
        assertNotSame(a.window, b.window, "every cached user has a window of its own");
    }

    @Test
    void restoringAnEntryThatGrewReaccountsItsBytes() {
        WindowCache cache = new WindowCache(1 << 20, CAPACITY);
        WindowCache.Entry a = admit(cache, "a", 1);
        long before = cache.bytes();
        for (int i = 0; i < 200; i++) {
            insert(a.window, 100 + i, 1000);
        }
        cache.store("a", a);
        assertEquals(entryBytes("a", a.window), cache.bytes());
        assertTrue(cache.bytes() > before);
        assertEquals(1, cache.size());
    }

    @Test
    void overTheBudgetTheClockEvictsAUserNotUsedSinceTheHandPassed() {
        long one = entryBytes("u0", 4);
        WindowCache cache = new WindowCache(3 * one + one / 2, CAPACITY);
        admit(cache, "u0", 4);
        admit(cache, "u1", 4);
        admit(cache, "u2", 4);
        assertEquals(3, cache.size());
        // u0 and u2 are used again: the fourth user pushes out u1, the only one without a second chance
        assertNotNull(cache.get("u0"));
        assertNotNull(cache.get("u2"));
        admit(cache, "u3", 4);
        assertEquals(3, cache.size());
        assertEquals(1, cache.evictions());
        assertNull(cache.peek("u1"));
        assertNotNull(cache.peek("u0"));
        assertNotNull(cache.peek("u2"));
        assertNotNull(cache.peek("u3"));
        assertTrue(cache.bytes() <= 3 * one + one / 2);
    }

    @Test
    void anEvictedEntryIsRecycledForTheNextMiss() {
        WindowCache cache = new WindowCache(entryBytes("u0", 1) + 10, CAPACITY);
        WindowCache.Entry first = admit(cache, "u0", 1);
        admit(cache, "u1", 1);
        assertNull(cache.peek("u0"), "only one fits");
        assertSame(first, cache.take(), "the evicted entry is reused, with its window's slot");
    }

    /** Write-back: a dirty entry is handed to the callback before it is evicted; clean ones are not; clear refuses dirt. */
    @Test
    void dirtyEntriesAreWrittenBackBeforeEvictionAndBeforeAClear() {
        long one = entryBytes("u0", 2);
        List<String> written = new ArrayList<>();
        WindowCache cache = new WindowCache(2 * one + one / 2, CAPACITY, e -> {
            assertTrue(e.dirty(), "only dirty entries are written back");
            written.add(e.user + (e.pendingSnapshot != null ? ":snapshot" : ":" + e.pendingCount));
            e.clean();
        });
        WindowCache.Entry u0 = admit(cache, "u0", 2);
        WindowCache.Entry u1 = admit(cache, "u1", 2);
        WindowLog.appendDelta(u0.pending, "item-9".getBytes(java.nio.charset.StandardCharsets.UTF_8), 9, null, 1, 9,
                -1, 0);
        u0.pendingCount++;
        u1.snapshotDue(new byte[] {1, 2, 3});
        List<String> dirty = new ArrayList<>();
        cache.forEachDirty(e -> dirty.add(e.user));
        assertEquals(List.of("u0", "u1"), dirty);
        assertThrows(IllegalStateException.class, cache::clear, "dirty entries must be written before a clear");
        // a third user evicts u0 (the hand starts there): its delta is written first, and the entry comes back clean
        admit(cache, "u2", 2);
        assertEquals(List.of("u0:1"), written);
        WindowCache.Entry reused = cache.take();
        assertSame(u0, reused);
        assertFalse(reused.dirty());
        assertEquals(-1, reused.writtenInEpoch);
        // a clean user is evicted without a write
        cache.get("u1").clean();
        admit(cache, "u3", 2);
        assertEquals(1, written.size(), "clean entries are evicted without a write: " + written);
        cache.forEachDirty(e -> e.clean());
        cache.clear();
        assertEquals(0, cache.size());
    }

    /** Windows live in slots of shared slabs, and the entries of a cleared cache come back with their slots. */
    @Test
    void windowsShareSlabsAndAClearedCacheReusesThem() {
        WindowCache cache = new WindowCache(1 << 20, CAPACITY);
        List<WindowCache.Entry> entries = new ArrayList<>();
        for (int u = 0; u < 30; u++) {
            entries.add(admit(cache, "u" + u, 1 + u % CAPACITY));
        }
        for (int u = 0; u < 30; u++) {
            WindowCache.Entry e = entries.get(u);
            assertTrue(e.window.slotted(), "u" + u + "'s window is a slot of a slab");
            assertEquals(1 + u % CAPACITY, e.window.size(), "u" + u + "'s window kept its behaviours");
            assertEquals(u % CAPACITY, e.window.ts(u % CAPACITY), "neighbouring slots do not overlap");
        }
        cache.clear();
        Set<WindowCache.Entry> reused = new HashSet<>();
        for (int u = 0; u < 30; u++) {
            reused.add(cache.take());
        }
        assertEquals(new HashSet<>(entries), reused, "every cleared entry is reused before a new one is made");
    }

    @Test
    void aWindowLargerThanTheWholeBudgetIsNotKept() {
        WindowCache cache = new WindowCache(100, CAPACITY);
        admit(cache, "big", 5);
        assertEquals(0, cache.size());
        assertEquals(0, cache.bytes());
        assertNull(cache.peek("big"));
    }

    @Test
    void removeAndClearForgetUsers() {
        WindowCache cache = new WindowCache(1 << 20, CAPACITY);
        for (int u = 0; u < 50; u++) {
            admit(cache, "u" + u, 1 + u % 5);
        }
        cache.remove("u7");
        cache.remove("not-cached");
        assertNull(cache.peek("u7"));
        assertEquals(49, cache.size());
        long sum = 0;
        for (int u = 0; u < 50; u++) {
            WindowCache.Entry e = cache.peek("u" + u);
            if (e != null) {
                sum += entryBytes("u" + u, e.window);
            }
        }
        assertEquals(sum, cache.bytes(), "the ring and the byte count stay consistent after a removal");
        cache.clear();
        assertEquals(0, cache.size());
        assertEquals(0, cache.bytes());
        assertNull(cache.peek("u3"));
        // usable again after a clear
        admit(cache, "u3", 2);
        assertEquals(1, cache.size());
    }

    @Test
    void underChurnTheBudgetHoldsAndEveryCachedUserIsFoundAgain() {
        long budget = 20 * entryBytes("u00", CAPACITY);
        WindowCache cache = new WindowCache(budget, CAPACITY);
        java.util.Random random = new java.util.Random(3);
        Set<String> seen = new HashSet<>();
        for (int step = 0; step < 5_000; step++) {
            String user = "u" + random.nextInt(60);
            WindowCache.Entry e = cache.get(user);
            if (e == null) {
                e = cache.take();
                e.window.clear();
            }
            insert(e.window, step, 1 + random.nextInt(CAPACITY));
            cache.store(user, e);
            seen.add(user);
            assertTrue(cache.bytes() <= budget, "over budget at step " + step);
            assertSame(e, cache.peek(user), "the user just stored is cached");
        }
        int cached = 0;
        for (String user : seen) {
            if (cache.peek(user) != null) {
                cached++;
            }
        }
        assertEquals(cache.size(), cached);
        assertTrue(cache.evictions() > 0);
    }

    @Test
    void aZeroBudgetDisablesTheCacheAndReusesOneWindow() {
        WindowCache cache = new WindowCache(0, CAPACITY);
        assertFalse(cache.enabled());
        WindowCache.Entry e = cache.take();
        insert(e.window, 1, CAPACITY);
        cache.store("u", e);
        assertNull(cache.get("u"));
        assertNull(cache.peek("u"));
        assertEquals(0, cache.size());
        assertSame(e, cache.take(), "one window, reused for every event");
        assertThrows(IllegalArgumentException.class, () -> new WindowCache(-1, CAPACITY));
    }
}
