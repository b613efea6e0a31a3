package io.mindstream.testing;

import io.mindstream.event.ModelMessage;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;

import java.util.SplittableRandom;

/** Small deterministic models and their weights-topic messages, for tests. */
public final class TestModels {

    private TestModels() {
    }

    /** Items "i0".."i{items-1}", d = 8, K = 3, R = 3, L = 5, dynamic interests; weights drawn from {@code seed}. */
    public static MindModel model(String version, int items, long seed) {
        return model(version, items, 8, 3, 5, seed);
    }

    public static MindModel model(String version, int items, int d, int k, int l, long seed) {
        RoutingConfig routing = new RoutingConfig(d, k, 3, l, true, RoutingSoftmax.INTERESTS, 1.0f);
        String[] ids = new String[items];
        for (int i = 0; i < items; i++) {
            ids[i] = "i" + i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        float[] e = new float[items * d];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (r.nextDouble() * 2 - 1);
        }
        float[] s = new float[d * d];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (r.nextDouble() * 0.5 - 0.25) + (i % (d + 1) == 0 ? 1f : 0f);
        }
        return new MindModel(new ModelConfig(version, routing), ids, e, s);
    }

    /** The model as one complete (assembled) weights message, as the updater receives it. */
    public static byte[] assembledMessage(MindModel model) {
        byte[] payload = ModelBundle.toPayload(model);
        return ModelMessage.chunk(model.version(), payload, payload.length).get(0).encode();
    }
}
