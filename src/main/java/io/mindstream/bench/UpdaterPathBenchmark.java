package io.mindstream.bench;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.OutputFormat;
import io.mindstream.job.CachedWindow;
import io.mindstream.job.UserWindow;
import io.mindstream.job.WindowLog;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.ItemSequence;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
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
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The per-event work of the interest updater outside Flink: rebuild the user's window from its log (a snapshot
 * and up to {@link WindowLog#COMPACT_EVERY} deltas; what a window cache miss does), insert the click, route, append
 * a delta (or compact) and encode the update; and the same from the compact window the cache holds (a hit), whose
 * snapshot every {@link WindowLog#COMPACT_EVERY} deltas is written from the cached window and the model's ids. What
 * RocksDB itself costs comes on top.
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
    private final WindowLog codec = new WindowLog();
    private final UserWindow window = new UserWindow();
    private final List<byte[]> log = new ArrayList<>();
    /** The window a cache hit starts from: set once from the decoded one, then changed in place by every event. */
    private final CachedWindow cached = new CachedWindow(101);
    private int cachedDeltas;
    /** The cache entry's batch of pending deltas, as the updater keeps it. */
    private final DataOutputSerializer pending = new DataOutputSerializer(64);
    private int pendingCount;
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
            int k = r.nextInt(items);
            byte[] item = ("item-" + k).getBytes(StandardCharsets.UTF_8);
            byte[] event = ("event-" + i).getBytes(StandardCharsets.UTF_8);
            w.insert(item, 0, item.length, ts += 30_000, UserWindow.eventKey(event, 0, event.length), k,
                    model.items().fingerprint(), windowLength);
        }
        log.add(codec.snapshot(w));
        cached.setFrom(w, model.items());
    }

    /** What {@code InterestUpdater.processElement} does for one accepted click, minus Flink and RocksDB. */
    @Benchmark
    public byte[] onePerEventUpdate() throws IOException {
        int deltas = codec.read(log, window, windowLength);
        nextClick();
        long key = UserWindow.eventKey(lastEventId, 0, lastEventId.length);
        if (window.containsEvent(key)) {
            throw new IllegalStateException("every click here is new");
        }
        window.insert(lastItem, 0, lastItem.length, ts, key, lastRow, model.items().fingerprint(), windowLength);
        window.setLastEventAt(ts);
        byte[] update = encode(window, window.nextUpdateSeq());
        if (deltas >= WindowLog.COMPACT_EVERY) {
            log.clear();
            log.add(codec.snapshot(window));
        } else {
            log.add(codec.delta(lastItem, ts, lastEventId, window.updateSeq(), ts, lastRow,
                    model.items().fingerprint()));
        }
        return update;
    }

    /**
     * The same click from the window the cache holds, as the write-back updater handles it: no rebuild; the delta
     * goes into the entry's batch, and the batch is taken out every 4 events, about how often the pipeline
     * benchmark's users are written at full rate; every 32 deltas a snapshot is written from the cached window.
     */
    @Benchmark
    public void onePerEventUpdateFromTheCache(Blackhole out) throws IOException {
        nextClick();
        long key = UserWindow.eventKey(lastEventId, 0, lastEventId.length);
        if (cached.containsEvent(key)) {
            throw new IllegalStateException("every click here is new");
        }
        long vocabulary = model.items().fingerprint();
        boolean snapshot = cachedDeltas >= WindowLog.COMPACT_EVERY;
        cached.insert(ts, lastRow, vocabulary, key, windowLength);
        cached.setLastEventAt(ts);
        out.consume(encode(cached, cached.nextUpdateSeq()));
        if (snapshot) {
            out.consume(codec.snapshot(cached, model.items()));
            pending.clear();
            pendingCount = 0;
            cachedDeltas = 0;
        } else {
            WindowLog.appendDelta(pending, lastItem, ts, lastEventId, cached.updateSeq(), ts, lastRow, vocabulary);
            pendingCount++;
            cachedDeltas++;
            if (pendingCount == 4) {
                out.consume(WindowLog.batchEntry(pending, pendingCount));
                pending.clear();
                pendingCount = 0;
            }
        }
    }

    /** The ids and row of the last {@link #accept}'s click, for its log entry. */
    private byte[] lastItem;
    private byte[] lastEventId;
    private int lastRow;

    /** The next click's ids and row, in {@link #lastItem}, {@link #lastEventId} and {@link #lastRow}. */
    private void nextClick() {
        lastEventId = ("click-" + (next++)).getBytes(StandardCharsets.UTF_8);
        ts += 30_000;
        lastItem = ("item-" + (next * 7919 % 10_000)).getBytes(StandardCharsets.UTF_8);
        lastRow = model.items().rowOf(lastItem, 0, lastItem.length);
    }

    /** Routing over the window and the encoded update. */
    private byte[] encode(ItemSequence w, long seq) {
        Interests r = encoder.encode(model, "user-42", w);
        InterestUpdate u = new InterestUpdate("user-42", model.version(), r.count(), r.dim(), r.toFlatArray(),
                InterestUpdate.Cause.EVENT, null, ts, r.sequenceLength(), r.unknownItems(), seq, ts);
        return OutputFormat.BINARY.codec().encode(u);
    }
}
