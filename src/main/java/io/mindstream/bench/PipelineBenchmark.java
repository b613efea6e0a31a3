package io.mindstream.bench;

import io.mindstream.demo.EmbeddedKafka;
import io.mindstream.demo.LatencyHistogram;
import io.mindstream.demo.Pacer;
import io.mindstream.event.ClickEvent;
import io.mindstream.event.ClickJson;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelMessage;
import io.mindstream.event.ModelPublisher;
import io.mindstream.event.OutputFormat;
import io.mindstream.event.RawRecord;
import io.mindstream.job.InterestPipeline;
import io.mindstream.job.InterestUpdater;
import io.mindstream.job.JobOptions;
import io.mindstream.job.ParseClicks;
import io.mindstream.job.StreamingJob;
import io.mindstream.job.UserWindow;
import io.mindstream.job.WindowLog;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.model.ModelConfig;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The end-to-end benchmark of the streaming updater (docs/BENCHMARKS.md, "Pipeline"). Every case runs the job's
 * real topology on an embedded Flink runtime configured like the deployment (the project's flink-conf/config.yaml
 * through {@link StreamingJob#clusterConfiguration()}, RocksDB state):
 * <ul>
 *   <li>{@code operator-mind}: generated clicks -> parse -> keyBy(user) -> {@link InterestUpdater} -> a sink that
 *       encodes the binary update and drops it, at maximum rate, on warm state (every user's window full);</li>
 *   <li>{@code operator-baseline}: the same harness with a trivial keyed read-modify-write (a dedup-style
 *       {@code ValueState<Long>} update, like Nexmark q18): what Flink and RocksDB alone cost;</li>
 *   <li>{@code kafka-at-least-once}, {@code kafka-exactly-once}: Kafka -> job -> Kafka through an in-process
 *       broker, the producer kept a bounded lead ahead of the job so the job is saturated;</li>
 *   <li>{@code kafka-latency-2000} (and {@code kafka-latency-2000-exactly-once}): 2,000 events/s offered; latency
 *       from an event's produce time to its update being readable by a consumer.</li>
 * </ul>
 * Warm state is built once: a fill job writes every user's full window with the updater's own state descriptor
 * and operator uid, stops with a savepoint, and every MIND case starts from that savepoint.
 */
public final class PipelineBenchmark {

    public static final List<String> CASES = List.of("operator-mind", "operator-baseline", "kafka-at-least-once",
            "kafka-exactly-once", "kafka-latency-2000", "kafka-latency-2000-exactly-once");

    /** Sizes and durations; the defaults are those of the issue. */
    public record Options(int users, int items, int windowLength, int maxSequenceLength, int dim, int interests,
                          int parallelism, Duration warmup, Duration kafkaWarmup, Duration measure, int latencyRate,
                          List<String> cases, long seed, String managedMemory, String windowCacheMemory) {
        public Options {
            positive(users, "--users");
            positive(items, "--items");
            positive(windowLength, "--window-length");
            positive(maxSequenceLength, "--max-sequence-length");
            positive(dim, "--dim");
            positive(interests, "--interests");
            positive(parallelism, "--parallelism");
            positive(latencyRate, "--latency-rate");
            if (warmup.isNegative() || kafkaWarmup.isNegative() || measure.isNegative() || measure.isZero()) {
                throw new IllegalArgumentException("--warmup and --kafka-warmup must be >= 0 and --measure > 0");
            }
            for (String c : cases) {
                if (!CASES.contains(c)) {
                    throw new IllegalArgumentException("--cases: unknown case " + c + "; known: " + CASES);
                }
            }
            cases = List.copyOf(cases);
            try {
                MemorySize.parse(managedMemory);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--managed-memory: " + e.getMessage());
            }
            try {
                MemorySize.parse(windowCacheMemory);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--window-cache-memory: " + e.getMessage());
            }
        }

        private static void positive(int v, String flag) {
            if (v < 1) {
                throw new IllegalArgumentException(flag + " must be positive, got " + v);
            }
        }
    }

    /** One case's figures. */
    public record Result(String name, double eventsPerSecond, double p50Millis, double p99Millis,
                         Map<String, String> extra) {
        public String line() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "bench case=%s events_per_s=%d p50_ms=%.2f p99_ms=%.2f", name, Math.round(eventsPerSecond),
                    p50Millis, p99Millis));
            extra.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            return sb.toString();
        }
    }

    private static final String MODEL_VERSION = "bench-v1";
    private static final String WEIGHTS = "weights";

    private final Options o;
    private final Consumer<String> progress;
    private Path work;
    private MindModel model;
    private String warmSavepoint;
    private double savepointBytesPerUser;

    public PipelineBenchmark(Options options, Consumer<String> progress) {
        this.o = options;
        this.progress = progress;
    }

    /** Runs the selected cases in order, handing each result line to {@code lines} as soon as it is known. */
    public List<Result> run(Consumer<String> lines) throws Exception {
        work = Files.createTempDirectory("mind-stream-bench-");
        List<Result> results = new ArrayList<>();
        EmbeddedKafka kafka = null;
        try {
            model = generateModel();
            for (String c : o.cases()) {
                Result r;
                if (c.startsWith("kafka") && kafka == null) {
                    progress.accept("starting the embedded Kafka broker");
                    kafka = EmbeddedKafka.start();
                    kafka.createTopics(List.of(EmbeddedKafka.topic(WEIGHTS, 1,
                            Map.of("max.message.bytes", String.valueOf(2 * 1024 * 1024)))));
                    try (ModelPublisher p = new ModelPublisher(kafka.bootstrapServers(), WEIGHTS,
                            ModelPublisher.DEFAULT_CHUNK_BYTES, Map.of())) {
                        p.publishInline(MODEL_VERSION, ModelBundle.toPayload(model));
                    }
                }
                switch (c) {
                    case "operator-mind" -> r = operatorMind();
                    case "operator-baseline" -> r = operatorBaseline();
                    case "kafka-at-least-once" -> r = kafkaMaxRate(kafka, c, JobOptions.Delivery.AT_LEAST_ONCE);
                    case "kafka-exactly-once" -> r = kafkaMaxRate(kafka, c, JobOptions.Delivery.EXACTLY_ONCE);
                    case "kafka-latency-2000" -> r = kafkaPaced(kafka, c, JobOptions.Delivery.AT_LEAST_ONCE);
                    case "kafka-latency-2000-exactly-once" -> r = kafkaPaced(kafka, c, JobOptions.Delivery.EXACTLY_ONCE);
                    default -> throw new IllegalStateException(c);
                }
                results.add(r);
                lines.accept(r.line());
            }
            return results;
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            deleteRecursively(work);
        }
    }

    // ------------------------------------------------------------------ the model and the events

    /** Random embeddings and bilinear map of the configured shape: routing cost does not depend on the values. */
    private MindModel generateModel() {
        SplittableRandom r = new SplittableRandom(o.seed());
        int d = o.dim();
        String[] ids = new String[o.items()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = itemId(i);
        }
        float[] e = new float[o.items() * d];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (r.nextGaussian() * 0.1);
        }
        float[] s = new float[d * d];
        float scale = (float) (1 / Math.sqrt(d));
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (r.nextGaussian() * scale);
        }
        RoutingConfig routing = new RoutingConfig(d, o.interests(), 3, o.maxSequenceLength(), false,
                RoutingSoftmax.INTERESTS, 1f);
        return new MindModel(new ModelConfig(MODEL_VERSION, routing), ids, e, s);
    }

    static String itemId(long i) {
        return "item-" + i;
    }

    static String userId(long u) {
        return "user-" + u;
    }

    /** A well-mixed 64-bit hash, so that the two sequence halves of the source hit users uniformly. */
    static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
        x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
        return x ^ (x >>> 31);
    }

    /**
     * Sequence number -> a click JSON record of a uniformly drawn user and item, ts = now. The event id starts with
     * the generation time (System.nanoTime, hex), which the sink reads back for the processing latency; it is as
     * long as typical producer ids (~20 characters), so state sizes stay realistic.
     */
    static final class GenerateClicks implements MapFunction<Long, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final int users;
        private final int items;

        GenerateClicks(int users, int items) {
            this.users = users;
            this.items = items;
        }

        @Override
        public RawRecord map(Long i) {
            long h = mix(i);
            String user = userId(Math.floorMod(h, (long) users));
            String item = itemId(Math.floorMod(mix(h), (long) items));
            String eventId = Long.toHexString(System.nanoTime()) + "-" + Long.toHexString(i & 0xFFFFFF);
            return RawRecord.of(ClickJson.write(user, item, System.currentTimeMillis(), eventId, null));
        }
    }

    static long createdNanos(String eventId) {
        int dash = eventId.indexOf('-');
        return Long.parseUnsignedLong(eventId.substring(0, dash), 16);
    }

    // ------------------------------------------------------------------ measuring inside the local runtime

    /** Counts and latencies of one run, shared with the sink functions of the embedded runtime (same JVM). */
    static final class Probe {
        final LongAdder count = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LatencyHistogram latency = new LatencyHistogram();
        volatile boolean measuring;
    }

    static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

    /** The discarding end of the operator cases: encodes each update as the Kafka sink would, records latency. */
    static final class RecordUpdates extends RichFilterFunction<InterestUpdate> {
        private static final long serialVersionUID = 1L;
        private final String probeId;
        private transient Probe probe;

        RecordUpdates(String probeId) {
            this.probeId = probeId;
        }

        @Override
        public void open(OpenContext ctx) {
            probe = PROBES.get(probeId);
        }

        @Override
        public boolean filter(InterestUpdate u) {
            if (u.cause() != InterestUpdate.Cause.EVENT) {
                return false;
            }
            byte[] encoded = OutputFormat.BINARY.codec().encode(u);
            long now = System.nanoTime();
            probe.count.increment();
            if (probe.measuring) {
                probe.bytes.add(encoded.length);
                probe.latency.recordMicros((now - createdNanos(u.eventId())) / 1000);
            }
            return false;
        }
    }

    static final class RecordEvents extends RichFilterFunction<ClickEvent> {
        private static final long serialVersionUID = 1L;
        private final String probeId;
        private transient Probe probe;

        RecordEvents(String probeId) {
            this.probeId = probeId;
        }

        @Override
        public void open(OpenContext ctx) {
            probe = PROBES.get(probeId);
        }

        @Override
        public boolean filter(ClickEvent e) {
            long now = System.nanoTime();
            probe.count.increment();
            if (probe.measuring) {
                probe.latency.recordMicros((now - createdNanos(e.eventId())) / 1000);
            }
            return false;
        }
    }

    /** The baseline operator: the newest ts per user, read and written on every event (Nexmark q18 style). */
    static final class DedupLatest extends KeyedProcessFunction<String, ClickEvent, ClickEvent> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<Long> latest;

        @Override
        public void open(OpenContext ctx) {
            latest = getRuntimeContext().getState(new ValueStateDescriptor<>("latest-ts", Types.LONG));
        }

        @Override
        public void processElement(ClickEvent e, Context ctx, Collector<ClickEvent> out) throws Exception {
            Long previous = latest.value();
            if (previous == null || e.ts() >= previous) {
                latest.update(e.ts());
            }
            out.collect(e);
        }
    }

    /** Writes a full window for every user it sees, with the updater's own state descriptor (the warm-state fill). */
    static final class FillWindows extends KeyedProcessFunction<String, String, Long> {
        private static final long serialVersionUID = 1L;
        private final int windowLength;
        private final int items;
        private final Duration ttl;
        private final String probeId;
        /** The model's vocabulary fingerprint: item k is row k, remembered as the job would after a refresh. */
        private final long vocabulary;
        private transient ListState<byte[]> log;
        private transient WindowLog codec;
        private transient Probe probe;
        private transient SplittableRandom random;

        FillWindows(int windowLength, int items, Duration ttl, long vocabulary, String probeId) {
            this.vocabulary = vocabulary;
            this.windowLength = windowLength;
            this.items = items;
            this.ttl = ttl;
            this.probeId = probeId;
        }

        @Override
        public void open(OpenContext ctx) {
            log = getRuntimeContext().getListState(WindowLog.descriptor());
            codec = new WindowLog();
            probe = PROBES.get(probeId);
            random = new SplittableRandom(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        }

        @Override
        public void processElement(String user, Context ctx, Collector<Long> out) throws Exception {
            Iterable<byte[]> existing = log.get();
            if (existing != null && existing.iterator().hasNext()) {
                return;
            }
            long now = System.currentTimeMillis();
            // A full window, then as many deltas as a user has between two snapshots at a random moment (0 to
            // COMPACT_EVERY - 1, uniformly): the log as the job leaves it in a steady state, not freshly compacted.
            int deltas = random.nextInt(WindowLog.COMPACT_EVERY);
            long ts = now - (windowLength + deltas + 10) * 30_000L;
            UserWindow w = new UserWindow();
            List<byte[]> entries = new ArrayList<>();
            for (int j = 0; j < windowLength + deltas; j++) {
                String eventId = "e-" + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
                int k = random.nextInt(items);
                byte[] item = itemId(k).getBytes(StandardCharsets.UTF_8);
                byte[] event = eventId.getBytes(StandardCharsets.UTF_8);
                w.insert(item, 0, item.length, ts += 30_000, UserWindow.eventKey(event, 0, event.length), k,
                        vocabulary, windowLength);
                w.nextUpdateSeq();
                w.setLastEventAt(now);
                if (j == windowLength - 1) {
                    entries.add(codec.snapshot(w));
                } else if (j >= windowLength) {
                    entries.add(codec.delta(item, ts, event, w.updateSeq(), now, k, vocabulary));
                }
            }
            log.update(entries);
            // the updater's background TTL: one cleanup timer per user, as the job itself keeps
            if (!ttl.isZero()) {
                ctx.timerService().registerProcessingTimeTimer(InterestUpdater.cleanupTime(now, ttl.toMillis()));
            }
            probe.count.increment();
        }
    }

    private StreamExecutionEnvironment environment(JobOptions jobOptions, String restoreFrom) {
        Configuration conf = StreamingJob.clusterConfiguration();
        conf.addAll(StreamingJob.configuration(jobOptions));
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
            // the fill job's source has state the measured jobs do not have
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        }
        // RocksDB's block cache and write buffers come from managed memory. The embedded runtime defaults to 128 MB
        // for all slots, a tenth of what a deployed TaskManager of flink-conf/config.yaml gives it; with a few
        // hundred MB of user windows that turns every state read into a cache miss.
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse(o.managedMemory()));
        // the updater's own counters (window cache hits and misses), read over the measured interval
        conf.setString("metrics.reporter.bench.factory.class", CapturedCounters.class.getName());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(o.parallelism(), conf);
        env.setMaxParallelism(128);
        return env;
    }

    private JobOptions jobOptions(String name, String bootstrap, JobOptions.Delivery delivery) {
        Map<String, List<String>> raw = new HashMap<>();
        raw.put("bootstrap-servers", List.of(bootstrap));
        raw.put("clicks-topic", List.of("clicks-" + name));
        raw.put("interests-topic", List.of("interests-" + name));
        raw.put("weights-topic", List.of(WEIGHTS));
        raw.put("dead-letter-topic", List.of("dead-letters-" + name));
        raw.put("group-id", List.of("bench-" + name));
        raw.put("delivery", List.of(delivery == JobOptions.Delivery.EXACTLY_ONCE ? "exactly-once" : "at-least-once"));
        raw.put("output-format", List.of("binary"));
        raw.put("parallelism", List.of(String.valueOf(o.parallelism())));
        raw.put("checkpoint-dir", List.of(work.resolve("checkpoints-" + name).toString()));
        raw.put("window-length", List.of(String.valueOf(o.windowLength())));
        raw.put("window-cache-memory", List.of(o.windowCacheMemory()));
        // The warm state already holds every user; a refresh of all of them at the first model is a one-off cost
        // that is not what these cases measure.
        raw.put("refresh-on-model-change", List.of("false"));
        raw.put("transactional-id-prefix", List.of("bench-" + name + "-" + System.nanoTime()));
        raw.put("job-name", List.of("bench " + name));
        return JobOptions.from(raw);
    }

    /** Builds the warm state once: a full window for every user, in a savepoint of the updater's uid. */
    private String warmState() throws Exception {
        if (warmSavepoint != null) {
            return warmSavepoint;
        }
        long start = System.nanoTime();
        progress.accept(String.format(Locale.ROOT, "filling %,d users' windows (%d behaviours each)", o.users(),
                o.windowLength()));
        JobOptions jo = jobOptions("fill", "localhost:9", JobOptions.Delivery.AT_LEAST_ONCE);
        StreamExecutionEnvironment env = environment(jo, null);
        String probeId = "fill-" + System.nanoTime();
        Probe probe = new Probe();
        PROBES.put(probeId, probe);
        int users = o.users();
        // Unbounded, so that the job is still running when the savepoint is taken (a finished job has none).
        env.fromSequence(0, Long.MAX_VALUE)
                .map(i -> userId(Math.floorMod(i, (long) users)), Types.STRING)
                .keyBy(u -> u, Types.STRING)
                .process(new FillWindows(o.windowLength(), o.items(), jo.stateTtl(), model.items().fingerprint(),
                        probeId), Types.LONG)
                .uid(InterestPipeline.UPDATER_UID)
                .sinkTo(new DiscardingSink<>());
        JobClient client = env.executeAsync("bench fill");
        try {
            while (probe.count.sum() < users) {
                checkRunning(client);
                Thread.sleep(200);
            }
            warmSavepoint = client.stopWithSavepoint(false, work.resolve("savepoints").toUri().toString(),
                    SavepointFormatType.NATIVE).get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            cancel(client);
            throw e;
        } finally {
            PROBES.remove(probeId);
        }
        savepointBytesPerUser = directoryBytes(Path.of(java.net.URI.create(warmSavepoint))) / (double) users;
        progress.accept(String.format(Locale.ROOT, "warm state ready in %.1f s: %s (%.0f bytes per user in RocksDB "
                + "files)", (System.nanoTime() - start) / 1e9, warmSavepoint, savepointBytesPerUser));
        return warmSavepoint;
    }

    // ------------------------------------------------------------------ the operator cases

    private Result operatorMind() throws Exception {
        String restore = warmState();
        JobOptions jo = jobOptions("operator-mind", "localhost:9", JobOptions.Delivery.AT_LEAST_ONCE);
        StreamExecutionEnvironment env = environment(jo, restore);
        String probeId = "mind-" + System.nanoTime();
        Probe probe = new Probe();
        PROBES.put(probeId, probe);
        List<RawRecord> weights = new ArrayList<>();
        for (ModelMessage.Chunk c : ModelMessage.chunk(MODEL_VERSION, ModelBundle.toPayload(model),
                ModelPublisher.DEFAULT_CHUNK_BYTES)) {
            weights.add(RawRecord.of(c.encode()));
        }
        DataStream<RawRecord> clicks = env.fromSequence(0, Long.MAX_VALUE)
                .map(new GenerateClicks(o.users(), o.items()), TypeInformation.of(RawRecord.class))
                .name("generate clicks");
        DataStream<RawRecord> weightStream = env.fromData(weights, TypeInformation.of(RawRecord.class))
                .setParallelism(1).name("weights");
        InterestPipeline.Outputs out = InterestPipeline.build(clicks, weightStream, jo);
        out.interests().filter(new RecordUpdates(probeId)).name("encode + record").sinkTo(new DiscardingSink<>());
        try {
            Map<String, String> extra = operatorExtras(jo);
            // the native savepoint is RocksDB's own SST files: keys, TTL timestamps, values, block compression
            extra.put("state_bytes_per_user", String.valueOf(Math.round(savepointBytesPerUser)));
            return measure("operator-mind", env, probe, extra);
        } finally {
            PROBES.remove(probeId);
        }
    }

    private Result operatorBaseline() throws Exception {
        JobOptions jo = jobOptions("operator-baseline", "localhost:9", JobOptions.Delivery.AT_LEAST_ONCE);
        StreamExecutionEnvironment env = environment(jo, null);
        String probeId = "baseline-" + System.nanoTime();
        Probe probe = new Probe();
        PROBES.put(probeId, probe);
        env.fromSequence(0, Long.MAX_VALUE)
                .map(new GenerateClicks(o.users(), o.items()), TypeInformation.of(RawRecord.class))
                .name("generate clicks")
                .process(new ParseClicks(jo.parser()), TypeInformation.of(ClickEvent.class))
                .name("parse clicks")
                .keyBy(ClickEvent::userId, Types.STRING)
                .process(new DedupLatest(), TypeInformation.of(ClickEvent.class))
                .name("dedup latest")
                .filter(new RecordEvents(probeId))
                .name("record")
                .sinkTo(new DiscardingSink<>());
        try {
            return measure("operator-baseline", env, probe, operatorExtras(jo));
        } finally {
            PROBES.remove(probeId);
        }
    }

    private Map<String, String> operatorExtras(JobOptions jo) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("users", String.valueOf(o.users()));
        m.put("items", String.valueOf(o.items()));
        m.put("window", String.valueOf(o.windowLength()));
        m.put("L", String.valueOf(o.maxSequenceLength()));
        m.put("d", String.valueOf(o.dim()));
        m.put("K", String.valueOf(o.interests()));
        return m;
    }

    private Result measure(String name, StreamExecutionEnvironment env, Probe probe, Map<String, String> extra)
            throws Exception {
        progress.accept("running " + name);
        JobClient client = env.executeAsync("bench " + name);
        try {
            sleepChecking(client, o.warmup());
            Interval interval = measureInterval(client, probe);
            Map<String, String> m = new LinkedHashMap<>(extra);
            interval.describe(m);
            if (probe.bytes.sum() > 0) {
                m.put("update_bytes", String.valueOf(probe.bytes.sum() / Math.max(1, probe.latency.count())));
            }
            addMachine(m);
            return new Result(name, interval.eventsPerSecond(), probe.latency.quantileMillis(0.5),
                    probe.latency.quantileMillis(0.99), m);
        } finally {
            cancel(client);
        }
    }

    /** The measured part of a case: events through the probe, the time, and what the job counted meanwhile. */
    private record Interval(long events, double seconds, CacheCount start, CacheCount end,
                            CheckpointWatch checkpoints) {
        double eventsPerSecond() {
            return events / seconds;
        }

        /** events=N [window_cache_hit_rate=R] checkpoints=N [checkpoint_upload_mb_per_s=X checkpoint_full_mb=Y] */
        void describe(Map<String, String> m) {
            m.put("events", String.valueOf(events));
            end.hitRateSince(start).ifPresent(r -> m.put("window_cache_hit_rate", r));
            end.describe(start, events, m);
            checkpoints.describe(m, seconds);
        }
    }

    /** Runs the measured interval ({@code --measure}) of a case whose job is already warm. */
    private Interval measureInterval(JobClient client, Probe probe) throws Exception {
        long c0 = probe.count.sum();
        CacheCount k0 = CacheCount.now();
        CheckpointWatch checkpoints = CheckpointWatch.start();
        long t0 = System.nanoTime();
        try {
            probe.measuring = true;
            try {
                sleepChecking(client, o.measure());
            } finally {
                probe.measuring = false;
            }
            long c1 = probe.count.sum();
            long t1 = System.nanoTime();
            return new Interval(c1 - c0, (t1 - t0) / 1e9, k0, CacheCount.now(), checkpoints);
        } finally {
            checkpoints.stop();
        }
    }

    /**
     * Follows the job's checkpoints during the measured interval: the bytes each completed checkpoint uploaded
     * (incremental: the new SST files) and the full size of the last one, from the JobManager's gauges.
     */
    private static final class CheckpointWatch {
        private final Thread thread;
        private volatile boolean running = true;
        private long completed;
        private long uploaded;
        private long fullSize = -1;

        private CheckpointWatch() {
            long start = CapturedCounters.gauge("numberOfCompletedCheckpoints");
            thread = new Thread(() -> {
                long seen = start;
                while (running) {
                    long n = CapturedCounters.gauge("numberOfCompletedCheckpoints");
                    if (n > seen && seen >= 0) {
                        // polled far more often than checkpoints complete (5 s + 2 s pause): one at a time
                        uploaded += CapturedCounters.gauge("lastCheckpointSize");
                        fullSize = CapturedCounters.gauge("lastCheckpointFullSize");
                        completed += n - seen;
                    }
                    seen = n;
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-checkpoint-watch");
            thread.setDaemon(true);
        }

        static CheckpointWatch start() {
            CheckpointWatch w = new CheckpointWatch();
            w.thread.start();
            return w;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }

        /** checkpoints=N checkpoint_upload_mb_per_s=X checkpoint_full_mb=Y, when any completed. */
        void describe(Map<String, String> m, double seconds) {
            m.put("checkpoints", String.valueOf(completed));
            if (completed > 0) {
                m.put("checkpoint_upload_mb_per_s", String.format(Locale.ROOT, "%.2f", uploaded / 1e6 / seconds));
                m.put("checkpoint_full_mb", String.format(Locale.ROOT, "%.1f", fullSize / 1e6));
            }
        }
    }

    /** The updater's window cache counters, summed over its subtasks. */
    private record CacheCount(long hits, long misses, long stateWrites) {
        static CacheCount now() {
            return new CacheCount(CapturedCounters.sum("windowCacheHits"), CapturedCounters.sum("windowCacheMisses"),
                    CapturedCounters.sum("windowStateAppends") + CapturedCounters.sum("windowStateSnapshots"));
        }

        /**
         * window_cache_bytes_per_user (the cache's own estimate at the end, over every subtask) and
         * state_writes_per_event (appends and snapshots written to the window log per accepted event, since
         * {@code start}); nothing for a job without the updater.
         */
        void describe(CacheCount start, long events, Map<String, String> m) {
            if (hits + misses - start.hits - start.misses <= 0) {
                return;
            }
            long users = CapturedCounters.gaugeSum("windowCacheUsers");
            if (users > 0) {
                m.put("window_cache_bytes_per_user",
                        String.valueOf(CapturedCounters.gaugeSum("windowCacheBytes") / users));
            }
            m.put("state_writes_per_event", String.format(Locale.ROOT, "%.3f",
                    (double) (stateWrites - start.stateWrites) / Math.max(1, events)));
        }

        /** The share of events since {@code start} whose window was cached; empty for a job without the updater. */
        java.util.Optional<String> hitRateSince(CacheCount start) {
            long h = hits - start.hits;
            long total = h + misses - start.misses;
            return total <= 0 ? java.util.Optional.empty()
                    : java.util.Optional.of(String.format(Locale.ROOT, "%.3f", (double) h / total));
        }
    }

    private void addMachine(Map<String, String> m) {
        m.put("parallelism", String.valueOf(o.parallelism()));
        m.put("state", "rocksdb");
        m.put("managed_memory", o.managedMemory());
        m.put("window_cache", o.windowCacheMemory());
        Configuration c = StreamingJob.clusterConfiguration();
        m.put("buffer_timeout", c.toMap().getOrDefault("execution.buffer-timeout.interval", "100ms(default)"));
        m.put("load1", String.format(Locale.ROOT, "%.2f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    }

    // ------------------------------------------------------------------ the Kafka cases

    private Result kafkaMaxRate(EmbeddedKafka kafka, String name, JobOptions.Delivery delivery) throws Exception {
        return kafkaCase(kafka, name, delivery, -1);
    }

    private Result kafkaPaced(EmbeddedKafka kafka, String name, JobOptions.Delivery delivery) throws Exception {
        return kafkaCase(kafka, name, delivery, o.latencyRate());
    }

    /**
     * Runs the job between Kafka topics. {@code rate < 0}: the producer stays at most a bounded number of events
     * ahead of what has come out, so the job is saturated without an unbounded backlog; else it is paced.
     */
    private Result kafkaCase(EmbeddedKafka kafka, String name, JobOptions.Delivery delivery, int rate)
            throws Exception {
        String restore = warmState();
        JobOptions jo = jobOptions(name, kafka.bootstrapServers(), delivery);
        kafka.createTopics(List.of(
                EmbeddedKafka.topic(jo.clicksTopic(), o.parallelism(), Map.of()),
                EmbeddedKafka.topic(jo.interestsTopic(), o.parallelism(), Map.of()),
                EmbeddedKafka.topic(jo.deadLetterTopic(), 1, Map.of())));
        StreamExecutionEnvironment env = environment(jo, restore);
        StreamingJob.buildKafkaPipeline(env, jo);
        progress.accept("running " + name);
        Probe probe = new Probe();
        AtomicLong produced = new AtomicLong();
        volatileStop = false;
        KafkaConsumer<byte[], byte[]> consumer = consumer(kafka.bootstrapServers());
        Thread reader = new Thread(() -> readUpdates(consumer, probe), "bench-reader");
        Thread writer = new Thread(() -> produce(kafka.bootstrapServers(), jo.clicksTopic(), rate, produced, probe),
                "bench-producer");
        JobClient client = null;
        try {
            consumer.subscribe(List.of(jo.interestsTopic()));
            client = env.executeAsync("bench " + name);
            reader.start();
            writer.start();
            sleepChecking(client, o.kafkaWarmup());
            Interval interval = measureInterval(client, probe);
            Map<String, String> m = new LinkedHashMap<>();
            m.put("delivery", delivery == JobOptions.Delivery.EXACTLY_ONCE ? "exactly-once" : "at-least-once");
            m.put("offered", rate < 0 ? "max" : String.valueOf(rate));
            if (rate < 0) {
                m.put("max_lead", String.valueOf(MAX_LEAD));
            }
            m.put("format", "binary");
            m.put("users", String.valueOf(o.users()));
            m.put("window", String.valueOf(o.windowLength()));
            m.put("checkpoint_interval_ms", String.valueOf(jo.checkpointInterval().toMillis()));
            interval.describe(m);
            addMachine(m);
            return new Result(name, interval.eventsPerSecond(), probe.latency.quantileMillis(0.5),
                    probe.latency.quantileMillis(0.99), m);
        } finally {
            volatileStop = true;
            if (writer.isAlive()) {
                writer.join(10_000);
            }
            if (reader.isAlive()) {
                consumer.wakeup();
                reader.join(10_000);
            } else {
                consumer.close();
            }
            if (client != null) {
                cancel(client);
            }
        }
    }

    private volatile boolean volatileStop;

    /**
     * How far the max-rate producer may run ahead of the updates read back. Exactly-once updates become readable
     * only at a checkpoint (every 5 s), so the lead must cover 5 s of the rate to be measured: 200,000 leaves room
     * for 40,000 events/s. The latency of the max-rate cases is therefore this queue, not the job's latency.
     */
    static final long MAX_LEAD = 200_000;

    private void produce(String bootstrap, String topic, int rate, AtomicLong produced, Probe out) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        long maxLead = MAX_LEAD;
        long i = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            Pacer pacer = rate > 0 ? new Pacer(rate) : null;
            while (!volatileStop) {
                long due = pacer != null ? pacer.due() : Math.min(1000, maxLead - (produced.get() - out.count.sum()));
                if (due <= 0) {
                    Thread.sleep(1);
                    continue;
                }
                for (long k = 0; k < due; k++, i++) {
                    long h = mix(i);
                    String user = userId(Math.floorMod(h, (long) o.users()));
                    String item = itemId(Math.floorMod(mix(h), (long) o.items()));
                    String eventId = "k-" + Long.toHexString(i | (1L << 60));
                    byte[] value = ClickJson.write(user, item, System.currentTimeMillis(), eventId, null);
                    producer.send(new ProducerRecord<>(topic, user.getBytes(StandardCharsets.UTF_8), value));
                }
                produced.addAndGet(due);
                if (pacer != null) {
                    pacer.done(due);
                    pacer.tick();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Counts event-caused updates; latency = now - the event's ts, which the producer set at send time. */
    private void readUpdates(KafkaConsumer<byte[], byte[]> consumer, Probe probe) {
        try (consumer) {
            while (!volatileStop) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.currentTimeMillis();
                    InterestUpdate u = OutputFormat.BINARY.codec().decode(r.value());
                    if (u.cause() != InterestUpdate.Cause.EVENT) {
                        continue;
                    }
                    probe.count.increment();
                    if (probe.measuring) {
                        probe.latency.recordMicros((now - u.eventTs()) * 1000);
                    }
                }
            }
        } catch (WakeupException stopping) {
            // end of the case
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void sleepChecking(JobClient client, Duration d) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            checkRunning(client);
            Thread.sleep(Math.min(500, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    private static void checkRunning(JobClient client) throws Exception {
        JobStatus s = client.getJobStatus().get(30, TimeUnit.SECONDS);
        if (s.isGloballyTerminalState() || s == JobStatus.RESTARTING || s == JobStatus.FAILING) {
            String cause = "";
            if (s.isGloballyTerminalState()) {
                try {
                    client.getJobExecutionResult().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    cause = ": " + e.getMessage();
                }
            }
            throw new IllegalStateException("the benchmark job is " + s + cause);
        }
    }

    private static void cancel(JobClient client) {
        try {
            client.cancel().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline
                    && !client.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception ignored) {
            // already gone
        }
    }

    private static long directoryBytes(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
