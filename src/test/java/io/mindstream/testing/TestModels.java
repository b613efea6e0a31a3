package io.mindstream.testing;

import io.mindstream.event.ModelMessage;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;

/** Small deterministic models and their weights-topic messages, for tests. */
public final class TestModels {

    private TestModels() {
    }

    /** Items "i0".."i{items-1}", d = 8, K = 3, R = 3, L = 5, dynamic interests; weights drawn from {@code seed}. */
    public static MindModel model(String version, int items, long seed) {
        return model(version, items, 8, 3, 5, seed);
    }

    public static MindModel model(String version, int items, int d, int k, int l, long seed) {
        return io.mindstream.model.TestModels.builder().version(version).items(items).dim(d).maxInterests(k)
                .maxLength(l).seed(seed).build();
    }

    /** The model as one complete (assembled) weights message, as the updater receives it. */
    public static byte[] assembledMessage(MindModel model) {
        byte[] payload = ModelBundle.toPayload(model);
        return ModelMessage.chunk(model.version(), payload, payload.length).get(0).encode();
    }
}
