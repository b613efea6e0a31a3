package io.mindstream.bench;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.OutputFormat;
import io.mindstream.job.UserWindow;
import io.mindstream.job.WindowLog;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
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
 * a delta (or compact) and encode the update; and the same from a window already decoded (a cache hit). What
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
    /** The window a cache hit starts from: decoded once, then changed in place by every event. */
    private final UserWindow cached = new UserWindow();
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
            w.insert(item, 0, item.length, ts += 30_000, event, 0, event.length, k, model.items().fingerprint(),
                    windowLength);
        }
        log.add(codec.snapshot(w));
        cached.setFrom(w);
    }

    /** What {@code InterestUpdater.processElement} does for one accepted click, minus Flink and RocksDB. */
    @Benchmark
    public byte[] onePerEventUpdate() throws IOException {
        int deltas = codec.read(log, window, windowLength);
        byte[] update = accept(window);
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
     * The same click from a window the cache holds, as the write-back updater handles it: no rebuild; the delta goes
     * into the entry's batch, and the batch (or, every 32 deltas, the window's snapshot) is taken out for RocksDB
     * every 4 events, about how often the pipeline benchmark's users are written at full rate.
     */
    @Benchmark
    public void onePerEventUpdateFromTheCache(Blackhole out) {
        out.consume(accept(cached));
        if (cachedDeltas >= WindowLog.COMPACT_EVERY) {
            pending.clear();
            pendingCount = 0;
            out.consume(codec.snapshot(cached));
            cachedDeltas = 0;
        } else {
            WindowLog.appendDelta(pending, lastItem, ts, lastEventId, cached.updateSeq(), ts, lastRow,
                    model.items().fingerprint());
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

    /**
     * One new click on a decoded window: the dedup check, the item's row, the insert, routing and the encoded
     * update, which is returned.
     */
    private byte[] accept(UserWindow w) {
        byte[] eventId = ("click-" + (next++)).getBytes(StandardCharsets.UTF_8);
        ts += 30_000;
        if (w.containsEvent(eventId, 0, eventId.length)) {
            throw new IllegalStateException("every click here is new");
        }
        byte[] item = ("item-" + (next * 7919 % 10_000)).getBytes(StandardCharsets.UTF_8);
        int row = model.items().rowOf(item, 0, item.length);
        w.insert(item, 0, item.length, ts, eventId, 0, eventId.length, row, model.items().fingerprint(), windowLength);
        w.setLastEventAt(ts);
        Interests r = encoder.encode(model, "user-42", w);
        InterestUpdate u = new InterestUpdate("user-42", model.version(), r.count(), r.dim(), r.toFlatArray(),
                InterestUpdate.Cause.EVENT, null, ts, r.sequenceLength(), r.unknownItems(), w.nextUpdateSeq(), ts);
        lastItem = item;
        lastEventId = eventId;
        lastRow = row;
        return OutputFormat.BINARY.codec().encode(u);
    }
}
