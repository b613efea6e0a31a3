package io.mindstream.bench;

import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.routing.InitialLogits;
import io.mindstream.routing.RoutingKernel;
import io.mindstream.routing.RoutingKernels;
import io.mindstream.routing.RoutingSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The per-event cost of the stream: one user's interests from a full window of L known behaviours, R = 3,
 * fixed K. {@link #encode} is the whole call the operator makes (item lookups, deterministic initial logits,
 * routing); {@link #kernel} is the routing loop alone. Consecutive calls cycle through 64 users so that the
 * rows they touch vary as they do in a stream. Both the mean (AverageTime) and the distribution of single calls
 * (SampleTime) are recorded: on a machine shared with other work the mean also counts the time the thread was
 * descheduled, the median of single calls does not.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xbatch"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 3, time = 1)
public class RoutingBenchmark {

    /** The shapes of the issue, as "LxdxK". */
    public static final String[] SHAPES = {"20x32x4", "50x64x4", "100x128x8"};
    public static final String[] IMPLEMENTATIONS = {"vector", "scalar", "nd4j"};
    public static final int ITERATIONS = 3;

    private static final int USERS = 64;
    private static final int ITEMS = 10_000;

    @Param({"20x32x4", "50x64x4", "100x128x8"})
    public String shape;

    @Param({"vector", "scalar", "nd4j"})
    public String impl;

    private MindModel model;
    private String[] userIds;
    private String[][] sequences;
    private int length;
    private int dim;
    private int interests;
    private int next;

    private InterestEncoder encoder;
    private Nd4jRouting nd4j;

    // kernel-only inputs: rows and deterministic logits prepared per user
    private RoutingKernel kernel;
    private INDArray nd4jTable;
    private int[][] rows;
    private float[][] initLogits;
    private float[] logits;
    private float[] scratch;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        length = Integer.parseInt(parts[0]);
        dim = Integer.parseInt(parts[1]);
        interests = Integer.parseInt(parts[2]);
        model = BenchModels.model(42, ITEMS, dim, interests, ITERATIONS, length);
        sequences = BenchModels.sequences(7, model, USERS, length);
        userIds = new String[USERS];
        rows = new int[USERS][length];
        initLogits = new float[USERS][interests * length];
        for (int u = 0; u < USERS; u++) {
            userIds[u] = "user-" + u;
            for (int i = 0; i < length; i++) {
                rows[u][i] = model.rowOf(sequences[u][i]);
            }
            InitialLogits.fill(InitialLogits.userSeed(userIds[u], model.seed()), rows[u], length, interests,
                    model.routing().initStddev(), initLogits[u]);
        }
        switch (impl) {
            case "vector":
            case "scalar":
                kernel = impl.equals("vector") ? RoutingKernels.vector() : RoutingKernels.scalar();
                encoder = new InterestEncoder(kernel);
                logits = new float[interests * length];
                scratch = new float[kernel.scratchSize(length, interests, dim)];
                out = new float[interests * dim];
                break;
            case "nd4j":
                // one thread, as the other implementations and as one stream subtask per core: ND4J's default
                // thread pool spins against everything else on a small machine and measures contention instead
                Nd4j.getEnvironment().setMaxThreads(1);
                Nd4j.getEnvironment().setMaxMasterThreads(1);
                Nd4j.factory().blas().setMaxThreads(1);
                NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
                nd4j = new Nd4jRouting(model);
                nd4jTable = Nd4j.create(model.mappedTable(), new long[] {ITEMS, dim}, DataType.FLOAT);
                break;
            default:
                throw new IllegalArgumentException("impl must be one of " + Arrays.toString(IMPLEMENTATIONS)
                        + ", got " + impl);
        }
    }

    @Benchmark
    public float encode() {
        int u = next++ & (USERS - 1);
        if (encoder != null) {
            Interests result = encoder.encode(model, userIds[u], sequences[u], length);
            return result.buffer()[result.count() * result.dim() - 1];
        }
        float[] v = nd4j.encode(userIds[u], sequences[u], length);
        return v[v.length - 1];
    }

    @Benchmark
    public float kernel() {
        int u = next++ & (USERS - 1);
        if (kernel != null) {
            System.arraycopy(initLogits[u], 0, logits, 0, logits.length);
            kernel.route(model.mappedTable(), rows[u], length, interests, dim, ITERATIONS,
                    RoutingSoftmax.INTERESTS, logits, scratch, out);
            return out[out.length - 1];
        }
        return Nd4jRouting.route(nd4jTable, rows[u], length, interests, ITERATIONS, RoutingSoftmax.INTERESTS,
                initLogits[u]).getFloat(interests - 1, dim - 1);
    }
}
