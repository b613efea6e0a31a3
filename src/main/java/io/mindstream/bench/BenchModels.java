package io.mindstream.bench;

import io.mindstream.model.MindModel;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;

import java.util.SplittableRandom;

/** Random models and behaviour sequences for the benchmarks, from a fixed seed. */
final class BenchModels {

    private BenchModels() {
    }

    /**
     * A model of {@code items} items whose embeddings and bilinear map are uniform with the scale of a
     * trained model (rows of norm about 1), routing with fixed K (dynamic interests off), R iterations.
     */
    static MindModel model(long seed, int items, int dim, int maxInterests, int iterations, int maxLength) {
        return model(seed, items, dim, maxInterests, iterations, maxLength, RoutingSoftmax.INTERESTS);
    }

    static MindModel model(long seed, int items, int dim, int maxInterests, int iterations, int maxLength,
                           RoutingSoftmax softmax) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] ids = new String[items];
        for (int i = 0; i < items; i++) {
            ids[i] = "item-" + i;
        }
        float scale = (float) Math.sqrt(3.0 / dim);
        float[] e = new float[items * dim];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) random.nextDouble(-scale, scale);
        }
        float[] s = new float[dim * dim];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) random.nextDouble(-scale, scale);
        }
        RoutingConfig routing = new RoutingConfig(dim, maxInterests, iterations, maxLength, false, softmax, 1.0f);
        return new MindModel(new ModelConfig("bench-" + seed, routing), ids, e, s);
    }

    /**
     * {@code users} sequences of {@code length} known items each. The ids are fresh String objects, as after
     * deserialising an event, so a lookup compares characters rather than references.
     */
    static String[][] sequences(long seed, MindModel model, int users, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        String[][] out = new String[users][length];
        for (int u = 0; u < users; u++) {
            for (int i = 0; i < length; i++) {
                out[u][i] = new String(model.items().idOf(random.nextInt(model.itemCount())).toCharArray());
            }
        }
        return out;
    }
}
