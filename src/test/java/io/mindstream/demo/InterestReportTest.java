package io.mindstream.demo;

import io.mindstream.model.MindModel;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InterestReportTest {

    /** Four items on two axes: c0 items point along x, c1 items along y. */
    private static MindModel twoClusterModel() {
        String[] items = {"c0-i0", "c0-i1", "c1-i0", "c1-i1"};
        float[] e = {1f, 0f, 0.5f, 0f, 0f, 1f, 0f, 0.5f};
        float[] s = {1f, 0f, 0f, 1f};
        return new MindModel(new ModelConfig("v1",
                new RoutingConfig(2, 2, 3, 10, true, RoutingSoftmax.INTERESTS, 1f)), items, e, s);
    }

    @Test
    void topItemsAreOrderedByScore() {
        List<InterestReport.ScoredItem> top = InterestReport.topItems(twoClusterModel(), new float[] {0.9f, 0.1f}, 3);
        assertEquals(List.of("c0-i0", "c0-i1", "c1-i0"), top.stream().map(InterestReport.ScoredItem::itemId).toList());
        assertEquals(0.9f, top.get(0).score(), 1e-6);
    }

    @Test
    void eachInterestNamesTheClusterItRecoveredAndItsPurity() {
        List<InterestReport.Interest> d = InterestReport.describe(twoClusterModel(),
                new float[][] {{0.9f, 0.1f}, {0.0f, 1f}}, 2, SyntheticWorld::clusterOf);
        assertEquals(0, d.get(0).cluster());
        assertEquals(1.0, d.get(0).purity());
        assertEquals(1, d.get(1).cluster());
        List<InterestReport.Interest> mixed = InterestReport.describe(twoClusterModel(),
                new float[][] {{1f, 0.8f}}, 2, SyntheticWorld::clusterOf);
        assertEquals(0.5, mixed.get(0).purity());
    }
}
