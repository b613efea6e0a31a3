package io.mindstream.train;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RankingMetricsTest {

    private static boolean in(int[] a, int x) {
        for (int v : a) {
            if (v == x) {
                return true;
            }
        }
        return false;
    }

    @Test
    void handComputedCase() {
        RankingMetrics m = new RankingMetrics();
        // user 1: truth {5, 9, 42}; ranking hits 5 at rank 1 and 9 at rank 30; 42 is never ranked
        int[] ranked = new int[50];
        for (int i = 0; i < 50; i++) {
            ranked[i] = 100 + i;
        }
        ranked[0] = 5;
        ranked[29] = 9;
        int[] truth1 = {5, 9, 42};
        m.add(ranked, 50, x -> in(truth1, x), truth1.length);
        // user 2: truth {7}, no hit
        int[] truth2 = {7};
        m.add(ranked, 50, x -> in(truth2, x), truth2.length);
        // user 3: no interests at all (empty ranking), truth {1, 2}
        int[] truth3 = {1, 2};
        m.add(new int[0], 0, x -> in(truth3, x), truth3.length);

        assertEquals(3, m.users());
        assertEquals((1.0 / 3) / 3, m.recall(20), 1e-12);
        assertEquals((2.0 / 3) / 3, m.recall(50), 1e-12);
        assertEquals(1.0 / 3, m.hitRate(20), 1e-12);
        assertEquals(1.0 / 3, m.hitRate(50), 1e-12);
        double idcg3 = 1 + 1 / log2(3) + 1 / log2(4);
        assertEquals((1.0 / idcg3) / 3, m.ndcg(20), 1e-12);
        assertEquals(((1 + 1 / log2(31)) / idcg3) / 3, m.ndcg(50), 1e-12);
    }

    @Test
    void idealDcgIsCappedAtTheCutoff() {
        RankingMetrics m = new RankingMetrics();
        int[] truth = new int[60];
        for (int i = 0; i < 60; i++) {
            truth[i] = i;
        }
        int[] ranked = new int[50];
        for (int i = 0; i < 50; i++) {
            ranked[i] = i;
        }
        m.add(ranked, 50, x -> x < 60, 60);
        assertEquals(1.0, m.ndcg(20), 1e-12, "a perfect top 20 is NDCG 1 even with 60 truth items");
        assertEquals(1.0, m.ndcg(50), 1e-12);
        assertEquals(20.0 / 60, m.recall(20), 1e-12);
    }

    @Test
    void topNPicksTheLargestBestFirst() {
        float[] s = {0.1f, 0.9f, -1f, 0.5f, 0.9f, 0.3f};
        int[] idx = new int[3];
        float[] val = new float[3];
        assertEquals(3, Evaluator.topN(s, 0, s.length, idx, val));
        assertArrayEquals(new int[]{1, 4, 3}, idx);
        int[] big = new int[10];
        assertEquals(6, Evaluator.topN(s, 0, s.length, big, new float[10]));
    }

    @Test
    void modelVersionsAlwaysIncrease() {
        Instant t = Instant.parse("2026-11-29T15:30:12Z");
        assertEquals("20261129T1530Z-0001", ModelVersions.next(t, null));
        assertEquals("20261129T1530Z-0002", ModelVersions.next(t, "20261129T1530Z-0001"));
        assertEquals("20261129T1531Z-0001", ModelVersions.next(t.plusSeconds(60), "20261129T1530Z-0007"));
        String behind = ModelVersions.next(t.minusSeconds(3600), "20261129T1530Z-0002");
        assertTrue(behind.compareTo("20261129T1530Z-0002") > 0, behind);
        assertEquals("20261129T1530Z-0001", ModelVersions.next(t, "some-other-scheme"));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
