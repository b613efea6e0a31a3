package io.mindstream.demo;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticWorldTest {

    private static final long START = 1_700_000_000_000L;

    @Test
    void theSameSeedGivesTheSameClicks() {
        SyntheticWorld a = new SyntheticWorld(new SyntheticWorld.Shape(5, 20, 50, 1.1), 7, START);
        SyntheticWorld b = new SyntheticWorld(new SyntheticWorld.Shape(5, 20, 50, 1.1), 7, START);
        for (int i = 0; i < 1000; i++) {
            assertEquals(a.next(), b.next());
        }
    }

    @Test
    void clicksComeInTimestampOrderWithUniqueEventIds() {
        SyntheticWorld w = new SyntheticWorld(SyntheticWorld.Shape.defaults(), 1, START);
        long last = Long.MIN_VALUE;
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            SyntheticWorld.Click c = w.next();
            assertTrue(c.ts() >= last, "timestamps never go back");
            assertTrue(c.ts() >= START);
            last = c.ts();
            assertTrue(ids.add(c.eventId()), "event ids are unique");
        }
    }

    @Test
    void everyUserClicksOnlyInsideThePlantedClustersWithOneToFiveOfThem() {
        SyntheticWorld w = new SyntheticWorld(new SyntheticWorld.Shape(20, 50, 300, 1.1), 3, START);
        Map<String, Set<Integer>> seen = new HashMap<>();
        for (int i = 0; i < 30_000; i++) {
            SyntheticWorld.Click c = w.next();
            int cluster = SyntheticWorld.clusterOf(c.itemId());
            assertEquals(SyntheticWorld.category(cluster), c.category());
            seen.computeIfAbsent(c.userId(), k -> new HashSet<>()).add(cluster);
        }
        for (int u = 0; u < 300; u++) {
            int[] planted = w.clustersOf(u);
            assertTrue(planted.length >= 1 && planted.length <= 5);
            Set<Integer> plantedSet = new HashSet<>();
            for (int c : planted) {
                plantedSet.add(c);
            }
            Set<Integer> clicked = seen.getOrDefault(SyntheticWorld.userId(u), Set.of());
            assertTrue(plantedSet.containsAll(clicked), "user " + u + " clicked outside its clusters");
        }
    }

    @Test
    void popularityInsideAClusterIsSkewedTowardsTheHead() {
        SyntheticWorld w = new SyntheticWorld(new SyntheticWorld.Shape(1, 100, 100, 1.1), 5, START);
        int head = 0;
        int tail = 0;
        for (int i = 0; i < 20_000; i++) {
            String item = w.next().itemId();
            int rank = Integer.parseInt(item.substring(item.indexOf("-i") + 2));
            if (rank < 10) {
                head++;
            } else if (rank >= 90) {
                tail++;
            }
        }
        // Zipf(1.1) over 100 items: the top 10 carry about 60% of clicks, the bottom 10 about 2%.
        assertTrue(head > 10 * tail, "head " + head + " vs tail " + tail);
    }

    @Test
    void clusterOfRejectsForeignIds() {
        assertEquals(12, SyntheticWorld.clusterOf("c12-i3"));
        assertEquals(-1, SyntheticWorld.clusterOf("item-7"));
        assertEquals(-1, SyntheticWorld.clusterOf("cx-i3"));
        assertEquals(-1, SyntheticWorld.clusterOf(""));
    }
}
