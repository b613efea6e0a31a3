package io.mindstream.train;

import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written backward against central finite differences of the forward, on small shapes. The routing
 * weights of the base point are frozen for the perturbed forwards: the stop-gradient makes them constants of
 * the model's gradient, so that is the function whose derivative the backward must match.
 */
@Timeout(60)
class MindNetworkTest {

    private static final int V = 11;
    private static final int D = 5;
    private static final int L = 6;
    private static final int B = 4;

    @ParameterizedTest(name = "{0} R={1} {2} p={3} negatives={4}")
    @CsvSource({
        "ROUTING, 1, interests, Infinity, 0",
        "ROUTING, 3, interests, Infinity, 0",
        "ROUTING, 3, behaviours, Infinity, 0",
        "ROUTING, 3, interests, 2.0, 0",
        "ROUTING, 3, behaviours, 1.5, 4",
        "ROUTING, 3, interests, Infinity, 4",
        "MEAN, 1, interests, Infinity, 0",
        "MEAN, 1, interests, Infinity, 5",
    })
    void backwardMatchesFiniteDifferences(Pooling pooling, int iterations, String axis, float power, int negatives) {
        SplittableRandom rnd = new SplittableRandom(7);
        RoutingConfig cfg = new RoutingConfig(D, 3, iterations, L, true, RoutingSoftmax.fromWireName(axis), 1f);
        float[] e = gaussian(rnd, V * D, 0.6);
        float[] s = gaussian(rnd, D * D, 0.6);
        MindNetwork net = new MindNetwork(cfg, pooling, power, V, B, negatives, e, s, 2);
        Batch bt = new Batch(B, L, net.maxInterests, negatives);
        int[] lens = {6, 4, 2, 5};
        for (int b = 0; b < B; b++) {
            bt.lengths[b] = lens[b];
            for (int i = 0; i < lens[b]; i++) {
                bt.rows[b * L + i] = rnd.nextInt(V);
            }
            bt.targets[b] = rnd.nextInt(V);
            bt.targetLogQ[b] = (float) Math.log(0.05 + 0.1 * rnd.nextDouble());
        }
        for (int i = 0; i < bt.initLogits.length; i++) {
            bt.initLogits[i] = (float) rnd.nextGaussian();
        }
        for (int m = 0; m < negatives; m++) {
            bt.negatives[m] = rnd.nextInt(V);
            bt.negativeLogQ[m] = (float) Math.log(0.05 + 0.1 * rnd.nextDouble());
        }
        if (negatives > 0) {
            bt.negatives[0] = bt.targets[1]; // an accidental hit
        }

        Gradients g = new Gradients(V, D);
        g.clear();
        double base = net.run(bt, g);
        assertTrue(Double.isFinite(base));
        net.reuseRoutingWeights = true;
        assertEquals(base, net.run(bt, null), 1e-6, "frozen weights reproduce the forward");

        double eps = 2e-3;
        int checked = 0;
        for (int p = 0; p < V * D; p++) {
            checked += check(net, bt, e, p, g.embeddings[p], eps, "E[" + p / D + "," + p % D + "]");
        }
        for (int p = 0; p < D * D; p++) {
            checked += check(net, bt, s, p, g.bilinear[p], eps, "S[" + p / D + "," + p % D + "]");
        }
        assertTrue(checked > 20, "enough non-trivial gradients were compared: " + checked);
    }

    private static int check(MindNetwork net, Batch bt, float[] w, int p, float analytic, double eps, String name) {
        float keep = w[p];
        w[p] = (float) (keep + eps);
        double plus = net.run(bt, null);
        w[p] = (float) (keep - eps);
        double minus = net.run(bt, null);
        w[p] = keep;
        double numeric = (plus - minus) / (2 * eps);
        double tol = 3e-3 + 3e-2 * Math.abs(numeric);
        assertEquals(numeric, analytic, tol, name);
        return Math.abs(numeric) > 1e-3 ? 1 : 0;
    }

    static float[] gaussian(SplittableRandom rnd, int n, double sd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * sd);
        }
        return a;
    }
}
