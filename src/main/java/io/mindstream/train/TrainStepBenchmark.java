package io.mindstream.train;

import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One training step (forward, backward, Adam) at the Beauty shape: V = 12,101 items, d = 64, K = 4, L = 20,
 * batch 128, full softmax (negatives = 0) or sampled. Samples/s = batches/s x 128.
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp 'target/classes:target/lib/*' org.openjdk.jmh.Main TrainStepBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TrainStepBenchmark {

    @Param({"12101"})
    int items;

    @Param({"0"})
    int negatives;

    @Param({"2"})
    int threads;

    private MindNetwork net;
    private Batch batch;
    private Gradients grads;
    private Adam adam;
    private float[] e;
    private float[] s;

    @Setup
    public void setUp() {
        int d = 64;
        int maxLen = 20;
        int b = 128;
        Trainer.configureThreads(threads);
        RoutingConfig cfg = new RoutingConfig(d, 4, 3, maxLen, true, RoutingSoftmax.INTERESTS, 1f);
        SplittableRandom rnd = new SplittableRandom(1);
        e = new float[items * d];
        s = new float[d * d];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (rnd.nextGaussian() * 0.125);
        }
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (rnd.nextGaussian() * 0.125);
        }
        net = new MindNetwork(cfg, Pooling.ROUTING, Float.POSITIVE_INFINITY, items, b, negatives, e, s, threads);
        batch = new Batch(b, maxLen, 4, negatives);
        for (int i = 0; i < b; i++) {
            // Beauty's mean history length at a random split point is about 7; use a spread up to L
            batch.lengths[i] = 1 + rnd.nextInt(maxLen);
            for (int j = 0; j < maxLen; j++) {
                batch.rows[i * maxLen + j] = rnd.nextInt(items);
            }
            batch.targets[i] = rnd.nextInt(items);
        }
        for (int i = 0; i < batch.initLogits.length; i++) {
            batch.initLogits[i] = (float) rnd.nextGaussian();
        }
        for (int m = 0; m < negatives; m++) {
            batch.negatives[m] = rnd.nextInt(items);
            batch.negativeLogQ[m] = (float) Math.log(negatives / (double) items);
        }
        for (int i = 0; i < b; i++) {
            batch.targetLogQ[i] = (float) Math.log(negatives / (double) items);
        }
        grads = new Gradients(items, d);
        adam = new Adam(0.001f, items, d);
    }

    @Benchmark
    public double step() {
        grads.clear();
        double loss = net.run(batch, grads);
        adam.apply(grads, e, s);
        return loss;
    }
}
