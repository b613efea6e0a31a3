package io.mindstream.demo;

import io.mindstream.event.ClickJson;
import io.mindstream.event.InterestCodec;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelPublisher;
import io.mindstream.event.OutputFormat;
import io.mindstream.job.JobOptions;
import io.mindstream.job.StreamingJob;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.train.ClickLoader;
import io.mindstream.train.DataSplit;
import io.mindstream.train.InputFormat;
import io.mindstream.train.Interactions;
import io.mindstream.train.ModelVersions;
import io.mindstream.train.TrainOptions;
import io.mindstream.train.TrainResult;
import io.mindstream.train.Trainer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The whole system in one process: a real Kafka broker (KRaft), the topics, the Flink job on an embedded runtime
 * with RocksDB state and checkpoints, the ND4J trainer, and traffic. The flow: generate (or load) history and send
 * it to the clicks topic, train a first model, publish it (the job refreshes every user), stream live events while
 * measuring the latency from produce to readable update, retrain on the grown history mid-run and publish a
 * second version, then stop sending, drain until every live event has its update, and report.
 */
public final class Demo {

    /** What the demo does; see {@code bin/mind-stream demo --help}. */
    public record Options(Duration duration, int rate, int users, int clusters, int itemsPerCluster,
                          int historyEvents, long seed, Path clicksFile, InputFormat format, double speedup,
                          JobOptions.Delivery delivery, OutputFormat outputFormat, int parallelism,
                          Duration trainBudget, double badRecordRate, Duration drainTimeout) {
        public Options {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("--duration must be positive");
            }
            if (rate < 1 || rate > 1_000_000) {
                throw new IllegalArgumentException("--rate must be in 1..1000000 events/s, got " + rate);
            }
            if (users < 1 || clusters < 1 || itemsPerCluster < 2) {
                throw new IllegalArgumentException("--users, --clusters must be positive and --items-per-cluster at least 2");
            }
            if (historyEvents < 1000) {
                throw new IllegalArgumentException("--history-events must be at least 1000, got " + historyEvents);
            }
            if (!(badRecordRate >= 0 && badRecordRate < 0.5)) {
                throw new IllegalArgumentException("--bad-record-rate must be in [0, 0.5), got " + badRecordRate);
            }
            if (clicksFile != null && format == null) {
                throw new IllegalArgumentException("--clicks needs --format");
            }
            if (!(speedup > 0)) {
                throw new IllegalArgumentException("--speedup must be positive, got " + speedup);
            }
        }
    }

    /** The figures of the final summary line. */
    public record Summary(long events, long updates, int models, long deadLetters, double p50Millis,
                          double p99Millis, Double purity) {
        /** {@code summary events=N updates=N models=N dead_letters=N p50_ms=X p99_ms=Y [purity=Z]}. */
        public String line() {
            String s = String.format(Locale.ROOT, "summary events=%d updates=%d models=%d dead_letters=%d p50_ms=%.1f p99_ms=%.1f",
                    events, updates, models, deadLetters, p50Millis, p99Millis);
            return purity == null ? s : s + String.format(Locale.ROOT, " purity=%.3f", purity);
        }
    }

    static final String CLICKS = "clicks";
    static final String INTERESTS = "interests";
    static final String WEIGHTS = "weights";
    static final String DEAD_LETTERS = "dead-letters";
    private static final int RECENT_ITEMS = 10;
    private static final int TOP_ITEMS = 20;
    private static final int PURITY_USERS = 300;

    private final Options o;
    private final PrintStream out;
    private final boolean terminal;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;

    // what was sent
    private final Map<String, Long> pendingSendNanos = new ConcurrentHashMap<>();
    private final AtomicLong liveSent = new AtomicLong();
    private final AtomicLong badSent = new AtomicLong();
    private final List<String[]> history = new ArrayList<>();
    private final Map<String, ArrayDeque<String>> recent = new HashMap<>();

    // what came back
    private final AtomicLong liveUpdates = new AtomicLong();
    private final AtomicLong allUpdates = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final LatencyHistogram latency = new LatencyHistogram();
    private final LatencyHistogram latencyWindow = new LatencyHistogram();
    private final Map<String, InterestUpdate> latest = new ConcurrentHashMap<>();
    private final Set<String> versionsSeen = ConcurrentHashMap.newKeySet();
    private final AtomicReference<String> currentVersion = new AtomicReference<>("-");
    private final Map<String, MindModel> models = new ConcurrentHashMap<>();
    private final AtomicReference<String> retrained = new AtomicReference<>();
    private final List<Path> temporaryDirectories = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Demo(Options options, PrintStream out, boolean terminal) {
        this.o = options;
        this.out = out;
        this.terminal = terminal;
    }

    /** Asks a running demo to stop sending and finish early (Ctrl-C); returns once it has cleaned up. */
    public void requestStop(Duration wait) {
        stopRequested = true;
        try {
            finished.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The temporary directories this demo created (all deleted when {@link #run()} returns). */
    public List<Path> temporaryDirectories() {
        return List.copyOf(temporaryDirectories);
    }

    /** Runs the whole demo; every process, port and temporary directory is gone when it returns. */
    public Summary run() throws Exception {
        Path work = Files.createTempDirectory("mind-stream-demo-");
        temporaryDirectories.add(work);
        EmbeddedKafka kafka = null;
        StreamingJob.LocalJob job = null;
        Thread reader = null;
        Traffic traffic = null;
        Summary summary = null;
        try {
            say("starting an embedded Kafka broker (KRaft)");
            kafka = EmbeddedKafka.start();
            temporaryDirectories.add(kafka.directory());
            kafka.createTopics(List.of(
                    EmbeddedKafka.topic(CLICKS, 2, Map.of()),
                    EmbeddedKafka.topic(INTERESTS, 2, Map.of("cleanup.policy", "compact")),
                    EmbeddedKafka.topic(WEIGHTS, 1, Map.of("max.message.bytes", String.valueOf(1024 * 1024))),
                    EmbeddedKafka.topic(DEAD_LETTERS, 1, Map.of())));
            String bootstrap = kafka.bootstrapServers();

            traffic = o.clicksFile() == null ? new SyntheticTraffic() : new ReplayTraffic();
            try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
                say(traffic.describe());
                int historySent = traffic.sendHistory(producer);
                producer.flush();
                say(String.format(Locale.ROOT, "sent %,d history events to topic %s", historySent, CLICKS));

                say("starting the Flink job (embedded runtime, RocksDB state, checkpoints in " + work + ")");
                JobOptions jobOptions = jobOptions(bootstrap, work.resolve("checkpoints"));
                job = StreamingJob.startLocal(jobOptions);
                reader = startReader(bootstrap);

                MindModel first = train(null, o.trainBudget());
                publish(bootstrap, first);
                awaitVersion(first.version(), Duration.ofSeconds(120));
                say("model " + first.version() + " installed; every user refreshed; streaming live events");

                Thread progress = startProgress();
                Thread retrain = null;
                Pacer pacer = new Pacer(o.rate());
                long liveNanos = o.duration().toNanos();
                while (!stopRequested && pacer.elapsedNanos() < liveNanos) {
                    for (long due = pacer.due(); due > 0 && !stopRequested; due--) {
                        if (!traffic.sendLive(producer)) {
                            stopRequested = true;
                            break;
                        }
                        pacer.done(1);
                    }
                    if (retrain == null && pacer.elapsedNanos() >= liveNanos / 4) {
                        retrain = startRetrain(bootstrap, first);
                    }
                    pacer.tick();
                }
                producer.flush();
                boolean interrupted = stopRequested;
                if (retrain != null) {
                    retrain.join(interrupted ? 1000 : TimeUnit.SECONDS.toMillis(120));
                }
                if (!interrupted && retrained.get() != null) {
                    // a retrain that finished late is still installed and shown before the report
                    awaitVersion(retrained.get(), Duration.ofSeconds(120));
                }
                drain(interrupted ? Duration.ofSeconds(5) : o.drainTimeout());
                progress.interrupt();
                progress.join(2000);
                if (terminal) {
                    out.println();
                }
            }
            summary = summarise(traffic);
        } finally {
            try {
                stopRequested = true;
                if (reader != null) {
                    readerConsumer.wakeup();
                    reader.join(10_000);
                }
                if (job != null) {
                    job.cancel();
                }
                if (kafka != null) {
                    kafka.close();
                }
                EmbeddedKafka.deleteRecursively(work);
                // the report comes once the job and the broker are down, so that nothing their shutdown logs
                // follows the summary line
                if (summary != null) {
                    report(traffic);
                    out.println(summary.line());
                    out.flush();
                }
            } finally {
                finished.countDown();
            }
        }
        return summary;
    }

    private JobOptions jobOptions(String bootstrap, Path checkpoints) {
        Map<String, List<String>> raw = new HashMap<>();
        raw.put("bootstrap-servers", List.of(bootstrap));
        raw.put("clicks-topic", List.of(CLICKS));
        raw.put("interests-topic", List.of(INTERESTS));
        raw.put("weights-topic", List.of(WEIGHTS));
        raw.put("dead-letter-topic", List.of(DEAD_LETTERS));
        raw.put("delivery", List.of(o.delivery() == JobOptions.Delivery.EXACTLY_ONCE ? "exactly-once" : "at-least-once"));
        raw.put("output-format", List.of(o.outputFormat().name().toLowerCase(Locale.ROOT)));
        raw.put("parallelism", List.of(String.valueOf(o.parallelism())));
        raw.put("checkpoint-dir", List.of(checkpoints.toString()));
        raw.put("checkpoint-interval", List.of("PT2S"));
        raw.put("transactional-id-prefix", List.of("mind-stream-demo-" + System.nanoTime()));
        raw.put("window-length", List.of("60"));
        return JobOptions.from(raw);
    }

    // ------------------------------------------------------------------ traffic

    /** Where clicks come from: the synthetic world or a replayed file. */
    private interface Traffic {
        String describe();

        /** Sends the pre-generated history; returns how many events. */
        int sendHistory(KafkaProducer<byte[], byte[]> producer);

        /** Sends one live event (or now and then a malformed record); false when there is nothing left. */
        boolean sendLive(KafkaProducer<byte[], byte[]> producer);

        /** The planted cluster of an item, or -1 when unknown. */
        int clusterOf(String itemId);

        boolean synthetic();
    }

    private final class SyntheticTraffic implements Traffic {
        private final SyntheticWorld world;
        private long liveCounter;

        SyntheticTraffic() {
            long startMillis = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
            world = new SyntheticWorld(new SyntheticWorld.Shape(o.clusters(), o.itemsPerCluster(), o.users(), 1.1),
                    o.seed(), startMillis);
        }

        @Override
        public String describe() {
            return String.format(Locale.ROOT, "synthetic traffic: %,d users mixing 1-5 of %d item clusters "
                            + "(%d items each, Zipf popularity), %,d history events, then %,d events/s live",
                    o.users(), o.clusters(), o.itemsPerCluster(), o.historyEvents(), o.rate());
        }

        @Override
        public int sendHistory(KafkaProducer<byte[], byte[]> producer) {
            long now = System.currentTimeMillis();
            int n = 0;
            while (n < o.historyEvents()) {
                SyntheticWorld.Click c = world.next();
                if (c.ts() >= now) {
                    break;
                }
                send(producer, c.userId(), ClickJson.write(c.userId(), c.itemId(), c.ts(), c.eventId(), c.category()));
                remember(c.userId(), c.itemId());
                n++;
            }
            return n;
        }

        @Override
        public boolean sendLive(KafkaProducer<byte[], byte[]> producer) {
            liveCounter++;
            if (o.badRecordRate() > 0 && liveCounter % Math.max(2, Math.round(1 / o.badRecordRate())) == 0) {
                sendBad(producer, liveCounter);
                return true;
            }
            SyntheticWorld.Click c = world.next();
            // Live events happen now: the simulated clock only orders who clicks what.
            sendLiveEvent(producer, c.userId(), c.itemId(), System.currentTimeMillis(), c.eventId(), c.category());
            return true;
        }

        @Override
        public int clusterOf(String itemId) {
            return SyntheticWorld.clusterOf(itemId);
        }

        @Override
        public boolean synthetic() {
            return true;
        }
    }

    private final class ReplayTraffic implements Traffic {
        private final List<ClickLoader.TimedClick> timeline;
        private final int historyEnd;
        private int cursor;
        private long liveCounter;
        private long replayStartNanos = -1;
        private long replayStartTs;

        ReplayTraffic() throws Exception {
            ClickLoader loader = new ClickLoader(o.format());
            timeline = loader.loadTimeline(o.clicksFile());
            if (timeline.size() < 100) {
                throw new IllegalArgumentException("--clicks " + o.clicksFile() + " has only " + timeline.size()
                        + " usable behaviours (" + loader.report().malformed() + " malformed lines)");
            }
            historyEnd = (int) Math.min(timeline.size() * 0.8, Math.max(o.historyEvents(), timeline.size() / 2));
        }

        @Override
        public String describe() {
            return String.format(Locale.ROOT, "replaying %s (%s): %,d behaviours, the first %,d as history, the rest "
                    + "live in timestamp order", o.clicksFile(), o.format().name().toLowerCase(Locale.ROOT),
                    timeline.size(), historyEnd);
        }

        @Override
        public int sendHistory(KafkaProducer<byte[], byte[]> producer) {
            long shift = shift();
            for (int i = 0; i < historyEnd; i++) {
                ClickLoader.TimedClick c = timeline.get(i);
                send(producer, c.userId(), ClickJson.write(c.userId(), c.itemId(), c.tsMillis() + shift,
                        "h" + i, null));
                remember(c.userId(), c.itemId());
            }
            cursor = historyEnd;
            return historyEnd;
        }

        /** Moves old data into the accepted ts range (after 2000-01-01, before now) keeping its gaps. */
        private long shift() {
            long last = timeline.get(timeline.size() - 1).tsMillis();
            long first = timeline.get(0).tsMillis();
            long minTs = Instant.parse("2000-01-02T00:00:00Z").toEpochMilli();
            long now = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
            if (first >= minTs && last <= now) {
                return 0;
            }
            return now - last;
        }

        @Override
        public boolean sendLive(KafkaProducer<byte[], byte[]> producer) {
            if (cursor >= timeline.size()) {
                return false;
            }
            liveCounter++;
            if (o.badRecordRate() > 0 && liveCounter % Math.max(2, Math.round(1 / o.badRecordRate())) == 0) {
                sendBad(producer, liveCounter);
                return true;
            }
            ClickLoader.TimedClick c = timeline.get(cursor);
            if (o.speedup() != 1.0) {
                // Original pacing, sped up: wait until this event's scaled time has come.
                if (replayStartNanos < 0) {
                    replayStartNanos = System.nanoTime();
                    replayStartTs = c.tsMillis();
                }
                long dueNanos = replayStartNanos + (long) ((c.tsMillis() - replayStartTs) * 1e6 / o.speedup());
                if (System.nanoTime() < dueNanos) {
                    liveCounter--;
                    return true;
                }
            }
            cursor++;
            sendLiveEvent(producer, c.userId(), c.itemId(), System.currentTimeMillis(), "l" + cursor, null);
            return true;
        }

        @Override
        public int clusterOf(String itemId) {
            return -1;
        }

        @Override
        public boolean synthetic() {
            return false;
        }
    }

    private void sendLiveEvent(KafkaProducer<byte[], byte[]> producer, String user, String item, long ts,
                               String eventId, String category) {
        byte[] value = ClickJson.write(user, item, ts, eventId, category);
        pendingSendNanos.put(eventId, System.nanoTime());
        liveSent.incrementAndGet();
        send(producer, user, value);
        remember(user, item);
    }

    /** A malformed record on purpose, so the dead-letter path is visible: three kinds in turn. */
    private void sendBad(KafkaProducer<byte[], byte[]> producer, long n) {
        String value = switch ((int) (n % 3)) {
            case 0 -> "{\"user_id\": \"user-1\", \"item_id\": ";
            case 1 -> "{\"user_id\": \"user-1\", \"ts\": " + System.currentTimeMillis() + "}";
            default -> "{\"user_id\": \"user-1\", \"item_id\": \"x\", \"ts\": 42}";
        };
        badSent.incrementAndGet();
        producer.send(new ProducerRecord<>(CLICKS, null, value.getBytes(StandardCharsets.UTF_8)));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String user, byte[] value) {
        producer.send(new ProducerRecord<>(CLICKS, user.getBytes(StandardCharsets.UTF_8), value));
    }

    private void remember(String user, String item) {
        synchronized (history) {
            history.add(new String[] {user, item});
            ArrayDeque<String> r = recent.computeIfAbsent(user, k -> new ArrayDeque<>(RECENT_ITEMS + 1));
            r.addLast(item);
            if (r.size() > RECENT_ITEMS) {
                r.removeFirst();
            }
        }
    }

    // ------------------------------------------------------------------ models

    private MindModel train(MindModel warmStart, Duration budget) {
        Interactions data;
        synchronized (history) {
            Interactions.Builder b = new Interactions.Builder();
            for (String[] e : history) {
                b.add(e[0], e[1]);
            }
            data = b.build();
        }
        TrainOptions options = new TrainOptions()
                .dim(32).interests(4).maxLen(20).batch(128).lr(0.01f)
                .timeBudget(budget).evalEvery(200).patience(5)
                .threads(1).baselines(false).seed(o.seed());
        if (warmStart != null) {
            options.warmStart(warmStart);
        }
        String previous = warmStart == null ? null : warmStart.version();
        String version = ModelVersions.next(Instant.now(), previous);
        say(String.format(Locale.ROOT, "training model %s on %,d users / %,d events (ND4J, budget %ds)", version,
                data.userCount(), data.eventCount(), budget.toSeconds()));
        TrainResult result = Trainer.train(DataSplit.of(data, DataSplit.Mode.COMIREC, o.seed()), version, options,
                Trainer.Listener.SILENT);
        io.mindstream.train.RankingMetrics test = result.metrics().get("mind");
        say(String.format(Locale.ROOT, "trained %s: %,d samples in %.1fs%s", version, result.mind().samples(),
                result.mind().seconds(), test == null ? "" : String.format(Locale.ROOT,
                        "; held-out users Recall@50 %.3f, HitRate@50 %.3f", test.recall(50), test.hitRate(50))));
        models.put(version, result.model());
        return result.model();
    }

    private void publish(String bootstrap, MindModel model) throws Exception {
        try (ModelPublisher p = new ModelPublisher(bootstrap, WEIGHTS, ModelPublisher.DEFAULT_CHUNK_BYTES, Map.of())) {
            int chunks = p.publishInline(model.version(), ModelBundle.toPayload(model));
            say("published model " + model.version() + " to topic " + WEIGHTS + " (" + chunks + " chunk"
                    + (chunks == 1 ? "" : "s") + ")");
        }
    }

    private Thread startRetrain(String bootstrap, MindModel first) {
        Thread t = new Thread(() -> {
            try {
                Duration budget = Duration.ofMillis(Math.max(5_000, o.duration().toMillis() / 5));
                MindModel second = train(first, budget);
                if (!stopRequested) {
                    publish(bootstrap, second);
                    retrained.set(second.version());
                }
            } catch (Exception e) {
                say("retraining failed: " + e);
            }
        }, "demo-retrain");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void awaitVersion(String version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!versionsSeen.contains(version)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("model " + version + " was not installed within " + timeout.toSeconds() + " s");
            }
            if (stopRequested) {
                throw new IllegalStateException("stopped before the first model was installed");
            }
            Thread.sleep(50);
        }
    }

    // ------------------------------------------------------------------ reading back

    /** The reader thread and its consumer, stopped with {@link KafkaConsumer#wakeup()}. */
    private volatile KafkaConsumer<byte[], byte[]> readerConsumer;

    private Thread startReader(String bootstrap) {
        InterestCodec codec = o.outputFormat().codec();
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.put("fetch.max.wait.ms", "5");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(INTERESTS, DEAD_LETTERS)) {
            consumer.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        readerConsumer = consumer;
        Thread t = new Thread(() -> {
            try (consumer) {
                while (!stopRequested) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                        long arrived = System.nanoTime();
                        if (r.topic().equals(DEAD_LETTERS)) {
                            deadLetters.incrementAndGet();
                            continue;
                        }
                        InterestUpdate u = codec.decode(r.value());
                        allUpdates.incrementAndGet();
                        if (versionsSeen.add(u.modelVersion())) {
                            currentVersion.set(u.modelVersion());
                        }
                        latest.merge(u.userId(), u, (a, b) -> b.updateSeq() > a.updateSeq() ? b : a);
                        if (u.eventId() != null && u.cause() == InterestUpdate.Cause.EVENT) {
                            Long sent = pendingSendNanos.remove(u.eventId());
                            if (sent != null) {
                                long micros = (arrived - sent) / 1000;
                                latency.recordMicros(micros);
                                latencyWindow.recordMicros(micros);
                                liveUpdates.incrementAndGet();
                            }
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // stopping
            } catch (RuntimeException e) {
                say("reading the interests topic failed: " + e);
            }
        }, "demo-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private Thread startProgress() {
        Thread t = new Thread(() -> {
            long startNanos = System.nanoTime();
            long lastSent = liveSent.get();
            long lastUpdates = allUpdates.get();
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(1000);
                    long sent = liveSent.get();
                    long ups = allUpdates.get();
                    String line = String.format(Locale.ROOT,
                            "[%3ds] events/s %,6d  updates/s %,6d  latency p50 %6.1f ms  p99 %6.1f ms  model %s  dead letters %d  users %,d",
                            (System.nanoTime() - startNanos) / 1_000_000_000L, sent - lastSent, ups - lastUpdates,
                            nanToZero(latencyWindow.quantileMillis(0.5)), nanToZero(latencyWindow.quantileMillis(0.99)),
                            currentVersion.get(), deadLetters.get(), latest.size());
                    latencyWindow.reset();
                    lastSent = sent;
                    lastUpdates = ups;
                    if (terminal) {
                        out.print("\r" + line + "   ");
                    } else {
                        out.println(line);
                    }
                    out.flush();
                }
            } catch (InterruptedException e) {
                // done
            }
        }, "demo-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until every live event has its update and every malformed record its dead letter. */
    private void drain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (liveUpdates.get() < liveSent.get() || deadLetters.get() < badSent.get()) {
            if (System.nanoTime() > deadline) {
                say(String.format(Locale.ROOT, "drain timed out after %ds: %,d of %,d live events have their update",
                        timeout.toSeconds(), liveUpdates.get(), liveSent.get()));
                return;
            }
            Thread.sleep(20);
        }
    }

    // ------------------------------------------------------------------ report

    private Summary summarise(Traffic traffic) {
        Double purity = null;
        if (traffic.synthetic()) {
            purity = purity(traffic);
        }
        return new Summary(liveSent.get(), liveUpdates.get(), versionsSeen.size(), deadLetters.get(),
                nanToZero(latency.quantileMillis(0.5)), nanToZero(latency.quantileMillis(0.99)), purity);
    }

    private double purity(Traffic traffic) {
        List<InterestUpdate> sample = sampleUsers(PURITY_USERS);
        double sum = 0;
        int n = 0;
        for (InterestUpdate u : sample) {
            MindModel m = models.get(u.modelVersion());
            for (InterestReport.Interest i : InterestReport.describe(m, u.interests(), TOP_ITEMS, traffic::clusterOf)) {
                sum += i.purity();
                n++;
            }
        }
        return n == 0 ? 0.0 : sum / n;
    }

    /** Users whose latest update is under a model this demo trained, most behaviours first, deterministic. */
    private List<InterestUpdate> sampleUsers(int max) {
        List<InterestUpdate> all = new ArrayList<>();
        for (InterestUpdate u : latest.values()) {
            if (u.count() > 0 && models.containsKey(u.modelVersion())) {
                all.add(u);
            }
        }
        all.sort(Comparator.comparingInt(InterestUpdate::count).reversed()
                .thenComparing(InterestUpdate::userId));
        return all.subList(0, Math.min(max, all.size()));
    }

    private void report(Traffic traffic) {
        List<InterestUpdate> sample = sampleUsers(1);
        if (sample.isEmpty()) {
            out.println("no user has interests yet");
            return;
        }
        InterestUpdate u = sample.get(0);
        MindModel m = models.get(u.modelVersion());
        out.println();
        out.println("sample user " + u.userId() + " (model " + u.modelVersion() + ", " + u.sequenceLength()
                + " behaviours routed, update #" + u.updateSeq() + ")");
        List<String> recentItems;
        synchronized (history) {
            recentItems = new ArrayList<>(recent.getOrDefault(u.userId(), new ArrayDeque<>()));
        }
        out.println("  recent items: " + String.join(" ", recentItems));
        if (traffic.synthetic()) {
            int idx = Integer.parseInt(u.userId().substring("user-".length()));
            int[] planted = ((SyntheticTraffic) traffic).world.clustersOf(idx);
            StringBuilder sb = new StringBuilder();
            for (int c : planted) {
                sb.append(sb.length() == 0 ? "" : " ").append(SyntheticWorld.category(c));
            }
            out.println("  planted clusters: " + sb);
        }
        List<InterestReport.Interest> interests = InterestReport.describe(m, u.interests(), TOP_ITEMS, traffic::clusterOf);
        for (int j = 0; j < interests.size(); j++) {
            InterestReport.Interest in = interests.get(j);
            StringBuilder top = new StringBuilder();
            for (int k = 0; k < Math.min(6, in.topItems().size()); k++) {
                top.append(k == 0 ? "" : " ").append(in.topItems().get(k).itemId());
            }
            String cluster = in.cluster() < 0 ? "" : String.format(Locale.ROOT, "  -> cluster %s (%.0f%% of top %d)",
                    SyntheticWorld.category(in.cluster()), 100 * in.purity(), in.topItems().size());
            out.println("  interest " + (j + 1) + ": " + top + cluster);
        }
        out.println();
    }

    private static double nanToZero(double x) {
        return Double.isNaN(x) ? 0.0 : x;
    }

    private void say(String line) {
        synchronized (out) {
            if (terminal) {
                out.print("\r");
            }
            out.println("demo: " + line);
            out.flush();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("linger.ms", "1");
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
