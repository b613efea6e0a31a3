package io.mindstream.bench;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.FeatureStoreReader;
import io.mindstream.feature.InterestRecord;
import io.mindstream.feature.InterestsCodec;
import io.mindstream.feature.RedisConnector;
import io.mindstream.feature.StoredInterests;
import io.mindstream.job.feature.RedisSink;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the Redis sink: a local Flink job generates N interest updates (U users, K' x d floats each,
 * increasing update_seq per user; with parallelism above 1 some arrive late and are skipped as stale, at the same
 * cost of one script call) and writes them through {@link RedisSink} into the
 * Redis at the given URL (the URL's query parameters set batching). Reports the steady-state records/s (from
 * Redis' own count of script calls, so deployment is left out) and the whole job's time,
 * then checks a user's stored record and deletes the keys it wrote (a per-run key prefix, so existing data are
 * never touched).
 *
 * <pre>
 * java -cp ... io.mindstream.bench.RedisSinkBenchmark --feature-store redis://127.0.0.1:6379/0?batch-size=500 \
 *     [--records 500000] [--users 50000] [--interests 4] [--dim 64] [--parallelism 1]
 * </pre>
 */
public final class RedisSinkBenchmark {

    /** What to measure. */
    public record Settings(String featureStore, long records, int users, int interests, int dim, int parallelism) {
        public Settings {
            if (records < 1 || users < 1 || interests < 0 || dim < 1 || parallelism < 1) {
                throw new IllegalArgumentException("--records, --users, --dim and --parallelism must be >= 1, "
                        + "--interests >= 0");
            }
            if (users > records) {
                throw new IllegalArgumentException("--users (" + users + ") must not exceed --records (" + records + ")");
            }
        }
    }

    /**
     * One measurement.
     *
     * @param wallMillis       submission to end of the job, including deployment and shutdown
     * @param jobMillis        the job's net runtime as Flink reports it
     * @param recordsPerSecond steady-state writes per second (between 10 % and 90 % of the run)
     * @param megabytesPerSecond the same in encoded interest bytes
     * @param redisCpuMicrosPerWrite Redis server CPU per write in the steady state
     * @param jvmCpuMicrosPerWrite   CPU of this JVM (generator, Flink, sink, client) per write in the steady state
     */
    public record Result(Settings settings, FeatureStoreOptions options, long wallMillis, long jobMillis,
                         double recordsPerSecond, double megabytesPerSecond, double redisCpuMicrosPerWrite,
                         double jvmCpuMicrosPerWrite) {
        public String describe() {
            return String.format(Locale.ROOT, "redis sink: %d records (%d users, K'=%d, d=%d, parallelism %d, "
                            + "batch-size %d, max-in-flight %d): %.0f records/s steady state (%.1f MB/s of "
                            + "interests); CPU per write: Redis %.1f us, JVM %.1f us; whole job %.1f s incl. "
                            + "deployment (%.0f records/s)",
                    settings.records(), settings.users(), settings.interests(), settings.dim(),
                    settings.parallelism(), options.batchSize(), options.maxInFlight(), recordsPerSecond,
                    megabytesPerSecond, redisCpuMicrosPerWrite, jvmCpuMicrosPerWrite, wallMillis / 1000.0,
                    settings.records() * 1000.0 / wallMillis);
        }
    }

    private RedisSinkBenchmark() {
    }

    public static Result run(Settings s) throws Exception {
        String runPrefix = "mind:bench:" + Long.toString(System.currentTimeMillis(), 36) + ":";
        String url = s.featureStore() + (s.featureStore().contains("?") ? "&" : "?") + "key-prefix=" + runPrefix;
        FeatureStoreOptions options = FeatureStoreOptions.parse(url);
        if (!FeatureStoreOptions.parse(s.featureStore()).keyPrefix().equals(FeatureStoreOptions.DEFAULT_KEY_PREFIX)) {
            throw new IllegalArgumentException("--feature-store: the benchmark chooses its own key-prefix");
        }
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(s.parallelism(), conf);
        // Without object reuse the chain deep-copies every record between generator and sink (reflectively, for
        // a Java record), which would be billed to the sink.
        env.getConfig().enableObjectReuse();
        // Generator and sink chained in each subtask: the figure is the sink's, not Flink's network stack's.
        env.fromSequence(0, s.records() - 1)
                .map(new Generator(s.users(), s.interests(), s.dim()))
                .sinkTo(RedisSink.forInterestRecords(options)).name("redis");
        try (RedisConnector connector = RedisConnector.create(options);
             StatefulRedisConnection<byte[], byte[]> probe = connector.connect()) {
            long callsBefore = scriptCalls(probe);
            long start = System.nanoTime();
            JobClient job = env.executeAsync("redis-sink-benchmark");
            // Steady state: the script calls Redis counts between 10 % and 90 % of the run, sampled every 20 ms,
            // so job deployment and shutdown stay out of the figure.
            long low = callsBefore + s.records() / 10;
            long high = callsBefore + s.records() * 9 / 10;
            long lowAt = 0;
            long highAt = 0;
            long lowCalls = 0;
            long highCalls = 0;
            double lowRedisCpu = 0;
            double highRedisCpu = 0;
            long lowJvmCpu = 0;
            long highJvmCpu = 0;
            // The job's result future, not its status: a local environment's cluster goes away with the job.
            java.util.concurrent.CompletableFuture<JobExecutionResult> done = job.getJobExecutionResult();
            while (!done.isDone()) {
                long calls = scriptCalls(probe);
                long now = System.nanoTime();
                if (lowAt == 0 && calls >= low) {
                    lowAt = now;
                    lowCalls = calls;
                    lowRedisCpu = redisCpuSeconds(probe);
                    lowJvmCpu = jvmCpuNanos();
                }
                if (highAt == 0 && calls >= high) {
                    highAt = now;
                    highCalls = calls;
                    highRedisCpu = redisCpuSeconds(probe);
                    highJvmCpu = jvmCpuNanos();
                }
                Thread.sleep(20);
            }
            JobExecutionResult result = done.get();
            long total = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            verify(options, s);
            if (lowAt == 0 || highAt <= lowAt) {
                throw new IllegalStateException("benchmark: the run was too short to sample; raise --records");
            }
            long writes = highCalls - lowCalls;
            double perSecond = writes * 1e9 / (highAt - lowAt);
            double mb = perSecond * InterestsCodec.encodedSize(s.interests(), s.dim()) / 1e6;
            double redisMicros = (highRedisCpu - lowRedisCpu) * 1e6 / writes;
            double jvmMicros = (highJvmCpu - lowJvmCpu) / 1e3 / writes;
            return new Result(s, options, total, result.getNetRuntime(TimeUnit.MILLISECONDS), perSecond, mb,
                    redisMicros, jvmMicros);
        } finally {
            cleanUp(options);
        }
    }

    /** CPU seconds the Redis server process has used so far (user + system). */
    private static double redisCpuSeconds(StatefulRedisConnection<byte[], byte[]> connection) {
        double seconds = 0;
        for (String line : connection.sync().info("cpu").split("\\r?\\n")) {
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return seconds;
    }

    /** CPU nanoseconds this JVM (Flink runtime, generator, sink, client) has used so far. */
    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Script calls (EVALSHA + EVAL) Redis has executed so far. */
    private static long scriptCalls(StatefulRedisConnection<byte[], byte[]> connection) {
        long calls = 0;
        for (String line : connection.sync().info("commandstats").split("\\r?\\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                int from = line.indexOf("calls=") + 6;
                calls += Long.parseLong(line.substring(from, line.indexOf(',', from)));
            }
        }
        return calls;
    }

    /** The last user's newest update must be stored, or the figure measured nothing. */
    private static void verify(FeatureStoreOptions options, Settings s) {
        long last = s.records() - 1;
        String user = "user-" + (last % s.users());
        long seq = last / s.users() + 1;
        try (FeatureStoreReader reader = FeatureStoreReader.open(options)) {
            StoredInterests stored = reader.read(user).orElseThrow(() ->
                    new IllegalStateException("benchmark wrote nothing for " + user));
            if (stored.updateSeq() != seq) {
                throw new IllegalStateException("benchmark: " + user + " has update_seq " + stored.updateSeq()
                        + ", expected " + seq);
            }
        }
    }

    private static void cleanUp(FeatureStoreOptions options) {
        try (RedisConnector connector = RedisConnector.create(options);
             StatefulRedisConnection<byte[], byte[]> connection = connector.connect()) {
            RedisCommands<byte[], byte[]> sync = connection.sync();
            ScanArgs match = ScanArgs.Builder.matches(options.keyPrefix() + "*").limit(1000);
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<byte[]> page = sync.scan(cursor, match);
                List<byte[]> keys = new ArrayList<>(page.getKeys());
                if (!keys.isEmpty()) {
                    sync.unlink(keys.toArray(new byte[0][]));
                }
                cursor = page;
            } while (!cursor.isFinished());
        }
    }

    /** Update i is user (i mod U)'s update number i / U + 1; the vectors are one shared array. */
    private static final class Generator implements MapFunction<Long, InterestRecord> {
        private static final long serialVersionUID = 1L;
        private final int users;
        private final int interests;
        private final int dim;
        private transient float[] vectors;

        Generator(int users, int interests, int dim) {
            this.users = users;
            this.interests = interests;
            this.dim = dim;
        }

        @Override
        public InterestRecord map(Long i) {
            if (vectors == null) {
                vectors = new float[interests * dim];
                Random random = new Random(1);
                for (int k = 0; k < vectors.length; k++) {
                    vectors[k] = (float) random.nextGaussian();
                }
            }
            long seq = i / users + 1;
            return new InterestRecord("user-" + (i % users), "bench-1", interests, dim, vectors, 1_700_000_000_000L + i,
                    seq, 1_700_000_000_000L + i);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = null;
        long records = 500_000;
        int users = 50_000;
        int interests = 4;
        int dim = 64;
        int parallelism = 1;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--feature-store" -> url = value;
                case "--records" -> records = Long.parseLong(value);
                case "--users" -> users = Integer.parseInt(value);
                case "--interests" -> interests = Integer.parseInt(value);
                case "--dim" -> dim = Integer.parseInt(value);
                case "--parallelism" -> parallelism = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        if (url == null) {
            throw new IllegalArgumentException("--feature-store redis://HOST:PORT[/DB] is required");
        }
        System.out.println(run(new Settings(url, records, users, interests, dim, parallelism)).describe());
        System.out.flush();
        System.exit(0);
    }
}
