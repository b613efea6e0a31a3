package io.mindstream.demo;

import io.mindstream.model.MindModel;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.ToIntFunction;

/**
 * What a user's interests mean: for each interest vector its top items by score v·e_item, and, where items
 * carry a planted cluster (synthetic traffic), which cluster the interest recovered and how purely.
 */
public final class InterestReport {

    /** An item and its score under one interest. */
    public record ScoredItem(String itemId, float score) {
    }

    /**
     * One interest: its top items, the cluster most of them belong to (-1 when unknown) and the share of the
     * top items in that cluster.
     */
    public record Interest(List<ScoredItem> topItems, int cluster, double purity) {
    }

    private InterestReport() {
    }

    /** The {@code n} items with the highest v·e_item, best first. */
    public static List<ScoredItem> topItems(MindModel model, float[] v, int n) {
        float[] e = model.embeddingTable();
        int d = model.dim();
        int rows = model.itemCount();
        PriorityQueue<ScoredItem> heap = new PriorityQueue<>(n + 1, (a, b) -> Float.compare(a.score(), b.score()));
        for (int r = 0; r < rows; r++) {
            float s = 0f;
            int o = r * d;
            for (int c = 0; c < d; c++) {
                s += v[c] * e[o + c];
            }
            if (heap.size() < n) {
                heap.add(new ScoredItem(model.items().idOf(r), s));
            } else if (s > heap.peek().score()) {
                heap.poll();
                heap.add(new ScoredItem(model.items().idOf(r), s));
            }
        }
        List<ScoredItem> out = new ArrayList<>(heap);
        out.sort((a, b) -> Float.compare(b.score(), a.score()));
        return out;
    }

    /** Describes every interest of a user (rows of {@code interests}). */
    public static List<Interest> describe(MindModel model, float[][] interests, int topN,
                                          ToIntFunction<String> clusterOf) {
        List<Interest> out = new ArrayList<>();
        for (float[] v : interests) {
            List<ScoredItem> top = topItems(model, v, topN);
            out.add(summarise(top, clusterOf));
        }
        return out;
    }

    static Interest summarise(List<ScoredItem> top, ToIntFunction<String> clusterOf) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (ScoredItem s : top) {
            int c = clusterOf.applyAsInt(s.itemId());
            if (c >= 0) {
                counts.merge(c, 1, Integer::sum);
            }
        }
        int best = -1;
        int bestCount = 0;
        for (java.util.Map.Entry<Integer, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        double purity = top.isEmpty() ? 0.0 : (double) bestCount / top.size();
        return new Interest(top, best, purity);
    }
}
