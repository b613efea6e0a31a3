package io.mindstream.bench;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.OutputFormat;
import io.mindstream.job.UserWindow;
import io.mindstream.job.UserWindowSerializer;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
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

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The per-event work of the interest updater outside Flink: read the user's window from its state bytes, insert
 * the click, route, write the window back and encode the update. What RocksDB itself costs comes on top.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class UpdaterPathBenchmark {

    @Param({"100"})
    public int windowLength;

    @Param({"50"})
    public int maxSequenceLength;

    private MindModel model;
    private final InterestEncoder encoder = new InterestEncoder();
    private final DataOutputSerializer out = new DataOutputSerializer(4096);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private byte[] state;
    private long ts = 1_717_000_000_000L;
    private int next;

    @Setup
    public void setUp() throws IOException {
        int items = 10_000;
        int d = 64;
        SplittableRandom r = new SplittableRandom(7);
        String[] ids = new String[items];
        for (int i = 0; i < items; i++) {
            ids[i] = "item-" + i;
        }
        float[] e = new float[items * d];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) r.nextGaussian() * 0.1f;
        }
        float[] s = new float[d * d];
        for (int i = 0; i < d; i++) {
            s[i * d + i] = 1f;
        }
        model = new MindModel(new ModelConfig("bench",
                new RoutingConfig(d, 4, 3, maxSequenceLength, true, RoutingSoftmax.INTERESTS, 1f)), ids, e, s);
        UserWindow w = new UserWindow();
        for (int i = 0; i < windowLength; i++) {
            w.insert("item-" + r.nextInt(items), ts += 30_000, "event-" + i, windowLength);
        }
        out.clear();
        UserWindowSerializer.INSTANCE.serialize(w, out);
        state = out.getCopyOfBuffer();
    }

    @Benchmark
    public byte[] onePerEventUpdate() throws IOException {
        in.setBuffer(state);
        UserWindow w = UserWindowSerializer.INSTANCE.deserialize(in);
        String eventId = "event-" + (next++);
        if (!w.containsEvent(eventId)) {
            w.insert("item-" + (next * 7919 % 10_000), ts += 30_000, eventId, windowLength);
        }
        Interests r = encoder.encode(model, "user-42", w);
        InterestUpdate u = new InterestUpdate("user-42", model.version(), r.count(), r.dim(), r.toFlatArray(),
                InterestUpdate.Cause.EVENT, eventId, ts, r.sequenceLength(), r.unknownItems(), w.nextUpdateSeq(), ts);
        out.clear();
        UserWindowSerializer.INSTANCE.serialize(w, out);
        state = out.getCopyOfBuffer();
        return OutputFormat.BINARY.codec().encode(u);
    }
}
