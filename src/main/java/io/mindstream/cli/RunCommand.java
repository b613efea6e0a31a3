package io.mindstream.cli;

import io.mindstream.job.JobOptions;
import io.mindstream.job.StreamingJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code run}: the streaming interest updater. With {@code --local} it runs in this process on an embedded Flink
 * runtime (RocksDB, checkpoints retained in --checkpoint-dir, resumed from the newest one on the next start;
 * SIGTERM / Ctrl-C stop it with a savepoint). Without it, it explains how to submit the job jar to a cluster
 * with `flink run`, which takes exactly the same options.
 *
 * <p>Each option is forwarded by name to {@link JobOptions}, which validates them all once.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the streaming job: Kafka clicks -> per-user state -> routing -> Kafka interests.")
public class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers HOST:PORT[,...]")
    String bootstrapServers;
    @Option(names = "--clicks-topic", required = true, description = "topic of JSON click events")
    String clicksTopic;
    @Option(names = "--interests-topic", required = true, description = "output topic of interest updates (compacted)")
    String interestsTopic;
    @Option(names = "--weights-topic", required = true, description = "one-partition topic of model messages")
    String weightsTopic;
    @Option(names = "--dead-letter-topic", required = true, description = "topic for invalid click records")
    String deadLetterTopic;
    @Option(names = "--group-id", description = "consumer group of the clicks source (default mind-stream)")
    String groupId;
    @Option(names = "--output-format", description = "json | binary (default binary)")
    String outputFormat;
    @Option(names = "--delivery", description = "exactly-once | at-least-once (default exactly-once)")
    String delivery;
    @Option(names = "--parallelism", description = "job parallelism (default: cores with --local, cluster default otherwise)")
    String parallelism;
    @Option(names = "--checkpoint-dir", description = "checkpoint directory or URI; required with --local")
    String checkpointDir;
    @Option(names = "--checkpoint-interval", description = "ISO-8601 duration (default PT5S)")
    String checkpointInterval;
    @Option(names = "--state-ttl", description = "drop a user's state after this inactivity, ISO-8601 (default P30D; PT0S = never)")
    String stateTtl;
    @Option(names = "--refresh-on-model-change", description = "recompute every user on a new model version (default true)")
    String refreshOnModelChange;
    @Option(names = "--window-length", description = "behaviours kept per user (default 100)")
    String windowLength;
    @Option(names = "--window-cache-memory", description = "heap per subtask for the compact windows of recently active users (default 256m; 0 = off)")
    String windowCacheMemory;
    @Option(names = "--min-ts", description = "oldest accepted event ts, ISO-8601 instant or epoch millis (default 2000-01-01T00:00:00Z)")
    String minTs;
    @Option(names = "--max-future", description = "how far ahead of now an event ts may be, ISO-8601 (default P1D)")
    String maxFuture;
    @Option(names = "--max-id-length", description = "longest accepted id in characters (default 256)")
    String maxIdLength;
    @Option(names = "--max-record-bytes", description = "largest accepted click record (default 16384)")
    String maxRecordBytes;
    @Option(names = "--max-model-bytes", description = "largest inline model payload (default 536870912)")
    String maxModelBytes;
    @Option(names = "--transactional-id-prefix", description = "Kafka transactional id prefix (default mind-stream)")
    String transactionalIdPrefix;
    @Option(names = "--transaction-timeout", description = "Kafka transaction timeout, at most PT10M (default PT10M)")
    String transactionTimeout;
    @Option(names = "--job-name", description = "Flink job name")
    String jobName;
    @Option(names = "--kafka-property", description = "extra Kafka client setting KEY=VALUE (repeatable)")
    List<String> kafkaProperty;
    @Option(names = "--feature-store", paramLabel = "URL", description = "also keep every user's latest interests "
            + "in Redis: redis://HOST:PORT[/DB][?key-prefix=...&ttl=...]; password from $MINDSTREAM_REDIS_PASSWORD "
            + "(docs/FEATURE_STORE.md)")
    String featureStore;

    @Option(names = "--local", description = "run on an embedded Flink runtime in this process")
    boolean local;

    public RunCommand() {
    }

    /** The options as raw values by key, for {@link JobOptions#from}. */
    Map<String, List<String>> rawOptions() throws IllegalAccessException {
        Map<String, List<String>> raw = new LinkedHashMap<>();
        for (Field f : RunCommand.class.getDeclaredFields()) {
            Option o = f.getAnnotation(Option.class);
            if (o == null || f.getType() == boolean.class) {
                continue;
            }
            Object v = f.get(this);
            if (v == null) {
                continue;
            }
            String key = o.names()[0].substring(2);
            List<String> values = new ArrayList<>();
            if (v instanceof List<?> list) {
                list.forEach(x -> values.add(String.valueOf(x)));
            } else {
                values.add(String.valueOf(v));
            }
            raw.put(key, values);
        }
        return raw;
    }

    @Override
    public Integer call() throws Exception {
        JobOptions options;
        try {
            options = JobOptions.from(rawOptions());
            if (local && options.checkpointDir().isEmpty()) {
                throw new IllegalArgumentException("--checkpoint-dir is required with --local (the job resumes from it)");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!local) {
            throw new ParameterException(spec.commandLine(), "without --local the job runs on a Flink cluster: submit"
                    + " the job jar with the same options, `flink run target/mind-stream-*-job.jar --bootstrap-servers"
                    + " ...` (docs/EVENTS.md, \"Running the job\")");
        }
        StreamingJob.runLocal(options);
        return 0;
    }
}
