package io.mindstream.train;

import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.routing.InitialLogits;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingKernels;
import io.mindstream.routing.RoutingSoftmax;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the trainer routes is what the stream serves: the trainer's forward, given the initial logits that the
 * serving side derives for a user, yields the same interests as the {@link InterestEncoder} on the bundle that
 * the trainer writes (both kernels).
 */
@Timeout(60)
class TrainServeAgreementTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(RoutingSoftmax.class)
    void trainerForwardMatchesTheEncoderOnTheWrittenBundle(RoutingSoftmax axis) throws IOException {
        int v = 30;
        int d = 8;
        int maxLen = 7;
        int batch = 3;
        SplittableRandom rnd = new SplittableRandom(3);
        RoutingConfig cfg = new RoutingConfig(d, 3, 3, maxLen, true, axis, 1f);
        float[] e = MindNetworkTest.gaussian(rnd, v * d, 0.5);
        float[] s = MindNetworkTest.gaussian(rnd, d * d, 0.5);
        String[] ids = new String[v];
        for (int i = 0; i < v; i++) {
            ids[i] = "item-" + i;
        }
        MindModel written = Trainer.model("20261129T1200Z-0001", cfg, ids, e, s);
        ModelBundle.write(written, dir);
        MindModel served = ModelBundle.read(dir);

        MindNetwork net = new MindNetwork(cfg, Pooling.ROUTING, Float.POSITIVE_INFINITY, v, batch, 0, e, s);
        Batch bt = new Batch(batch, maxLen, 3, 0);
        int[] lengths = {7, 4, 2};
        String[] users = {"alice", "bob", "carol"};
        for (int b = 0; b < batch; b++) {
            int n = lengths[b];
            bt.lengths[b] = n;
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                rows[i] = rnd.nextInt(v);
                bt.rows[b * maxLen + i] = rows[i];
            }
            bt.targets[b] = rnd.nextInt(v);
            int k = cfg.interestCount(n);
            float[] init = new float[k * n];
            InitialLogits.fill(InitialLogits.userSeed(users[b], served.seed()), rows, n, k, 1f, init);
            System.arraycopy(init, 0, bt.initLogits, b * 3 * maxLen, k * n);
        }
        net.run(bt, null);

        for (InterestEncoder enc : new InterestEncoder[]{new InterestEncoder(RoutingKernels.scalar()),
            new InterestEncoder(RoutingKernels.best())}) {
            for (int b = 0; b < batch; b++) {
                int n = lengths[b];
                String[] items = new String[n];
                for (int i = 0; i < n; i++) {
                    items[i] = ids[bt.rows[b * maxLen + i]];
                }
                Interests in = enc.encode(served, users[b], items, n);
                assertEquals(net.interestsOf(b), in.count(), "K' of " + users[b]);
                for (int j = 0; j < in.count(); j++) {
                    float[] trained = net.interest(b, j);
                    for (int c = 0; c < d; c++) {
                        assertEquals(in.get(j, c), trained[c], 2e-5f,
                                enc.kernel().name() + " " + users[b] + " interest " + j + " component " + c);
                    }
                }
            }
        }
    }
}
