package io.mindstream.model;

import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;

import java.util.SplittableRandom;

/**
 * Builds random models in memory from a fixed seed, with defaults that tests override one at a time. Item
 * ids are "i0", "i1", ...; weights are uniform with the scale of a trained model (rows of norm about 1).
 */
public final class TestModels {

    private long seed = 1;
    private String version = "test-v1";
    private int items = 200;
    private int dim = 8;
    private int maxInterests = 4;
    private int iterations = 3;
    private int maxLength = 20;
    private boolean dynamic = true;
    private RoutingSoftmax softmax = RoutingSoftmax.INTERESTS;
    private float initStddev = 1.0f;

    private TestModels() {
    }

    public static TestModels builder() {
        return new TestModels();
    }

    public TestModels seed(long value) {
        seed = value;
        return this;
    }

    public TestModels version(String value) {
        version = value;
        return this;
    }

    public TestModels items(int value) {
        items = value;
        return this;
    }

    public TestModels dim(int value) {
        dim = value;
        return this;
    }

    public TestModels maxInterests(int value) {
        maxInterests = value;
        return this;
    }

    public TestModels iterations(int value) {
        iterations = value;
        return this;
    }

    public TestModels maxLength(int value) {
        maxLength = value;
        return this;
    }

    public TestModels dynamic(boolean value) {
        dynamic = value;
        return this;
    }

    public TestModels softmax(RoutingSoftmax value) {
        softmax = value;
        return this;
    }

    public TestModels initStddev(float value) {
        initStddev = value;
        return this;
    }

    public RoutingConfig routing() {
        return new RoutingConfig(dim, maxInterests, iterations, maxLength, dynamic, softmax, initStddev);
    }

    /** The model; the same settings always give the same weights, whatever the version string. */
    public MindModel build() {
        SplittableRandom random = new SplittableRandom(seed);
        float scale = (float) Math.sqrt(3.0 / dim);
        float[] e = new float[items * dim];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) random.nextDouble(-scale, scale);
        }
        float[] s = new float[dim * dim];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) random.nextDouble(-scale, scale);
        }
        return new MindModel(new ModelConfig(version, routing()), ids(items), e, s);
    }

    public static String[] ids(int count) {
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = "i" + i;
        }
        return ids;
    }

    /** {@code length} ids drawn (with repeats) from the model's vocabulary. */
    public static String[] sequence(long seed, int vocabulary, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] out = new String[length];
        for (int i = 0; i < length; i++) {
            out[i] = "i" + random.nextInt(vocabulary);
        }
        return out;
    }
}
