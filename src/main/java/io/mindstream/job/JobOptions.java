package io.mindstream.job;

import io.mindstream.event.ClickEventParser;
import io.mindstream.event.ModelAssembler;
import io.mindstream.event.OutputFormat;
import io.mindstream.feature.FeatureStoreOptions;

import org.apache.flink.configuration.MemorySize;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The streaming job's configuration, typed and validated once. The same keys serve `flink run` (as
 * {@code --key value} program arguments) and {@code mind-stream run} (as its flags); every error names the
 * flag. {@link #OPTIONS} documents each key with its default.
 *
 * @param kafkaProperties extra Kafka client settings (security, timeouts), applied to every source and sink
 * @param featureStore    Redis feature store URL (docs/FEATURE_STORE.md), empty when the job writes none
 */
public record JobOptions(
        String bootstrapServers,
        String clicksTopic,
        String interestsTopic,
        String weightsTopic,
        String deadLetterTopic,
        String groupId,
        OutputFormat outputFormat,
        Delivery delivery,
        int parallelism,
        String checkpointDir,
        Duration checkpointInterval,
        Duration stateTtl,
        boolean refreshOnModelChange,
        int windowLength,
        long windowCacheBytes,
        long minTs,
        Duration maxFuture,
        int maxIdLength,
        int maxRecordBytes,
        long maxModelBytes,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        String jobName,
        Map<String, String> kafkaProperties,
        String featureStore) implements Serializable {

    /** Default heap per subtask for the compact windows ({@code --window-cache-memory}). */
    public static final String DEFAULT_WINDOW_CACHE_MEMORY = "256m";
    public static final long DEFAULT_WINDOW_CACHE_BYTES = MemorySize.parseBytes(DEFAULT_WINDOW_CACHE_MEMORY);

    /** How updates reach the interests topic. */
    public enum Delivery {
        /** Kafka transactions committed with each checkpoint; read with isolation.level=read_committed. */
        EXACTLY_ONCE,
        /** Flushed on checkpoints; a recovery may repeat updates (consumers de-duplicate by update_seq). */
        AT_LEAST_ONCE;

        static Delivery parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "exactly-once", "exactly_once" -> EXACTLY_ONCE;
                case "at-least-once", "at_least_once" -> AT_LEAST_ONCE;
                default -> throw new IllegalArgumentException("expected exactly-once or at-least-once");
            };
        }
    }

    /** One configuration key: its flag name, default (null = required) and meaning. */
    public record Option(String key, String defaultValue, String description) {
    }

    /** Broker limit on transactions is 15 minutes; the Kafka client's default is refused by brokers. */
    public static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

    public static final List<Option> OPTIONS = List.of(
            new Option("bootstrap-servers", null, "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]"),
            new Option("clicks-topic", null, "topic of JSON click events (key = user id, optional)"),
            new Option("interests-topic", null, "output topic of interest updates (key = user id; compacted)"),
            new Option("weights-topic", null, "single-partition topic of model messages, read from the earliest offset"),
            new Option("dead-letter-topic", null, "topic for records that are not valid click events"),
            new Option("group-id", "mind-stream", "consumer group of the clicks source; its committed offsets are the start position"),
            new Option("output-format", "binary", "json | binary encoding of interest updates"),
            new Option("delivery", "exactly-once", "exactly-once | at-least-once delivery to the interests topic"),
            new Option("parallelism", "0", "job parallelism; 0 = the cluster's default"),
            new Option("checkpoint-dir", "", "checkpoint storage URI or path (file://, s3://, hdfs://); required with --local"),
            new Option("checkpoint-interval", "PT5S", "ISO-8601 checkpoint interval; bounds the visibility delay of exactly-once updates"),
            new Option("state-ttl", "P30D", "ISO-8601 duration after the last event of a user before the user's state is dropped; PT0S = keep forever"),
            new Option("refresh-on-model-change", "true", "recompute and emit every user's interests when a new model version is installed"),
            new Option("window-length", "100", "behaviours kept per user (should exceed the model's max_sequence_length)"),
            new Option("window-cache-memory", DEFAULT_WINDOW_CACHE_MEMORY, "heap per subtask for the compact windows of recently active users, in front of RocksDB (e.g. 64m, 1g; 0 = off)"),
            new Option("min-ts", "2000-01-01T00:00:00Z", "oldest accepted event ts (ISO-8601 instant or epoch millis)"),
            new Option("max-future", "P1D", "how far ahead of the wall clock an event ts may be (ISO-8601 duration)"),
            new Option("max-id-length", String.valueOf(ClickEventParser.DEFAULT_MAX_ID_LENGTH), "longest accepted user/item/event id (characters)"),
            new Option("max-record-bytes", String.valueOf(ClickEventParser.DEFAULT_MAX_RECORD_BYTES), "largest accepted click record (bytes)"),
            new Option("max-model-bytes", String.valueOf(ModelAssembler.DEFAULT_MAX_PAYLOAD_BYTES), "largest inline model payload assembled from the weights topic (bytes)"),
            new Option("transactional-id-prefix", "mind-stream", "prefix of the Kafka transactional ids (unique per job on a cluster)"),
            new Option("transaction-timeout", "PT10M", "Kafka transaction timeout; at most PT10M (brokers refuse more than 15 minutes)"),
            new Option("job-name", "mind-stream interests", "the Flink job name"),
            new Option("kafka-property", "", "extra Kafka client setting KEY=VALUE (repeatable; e.g. security.protocol=SSL)"),
            new Option("feature-store", "", "also keep every user's latest interests in Redis: redis://HOST:PORT[/DB][?key-prefix=...&ttl=...] (docs/FEATURE_STORE.md); empty = off"));

    public JobOptions {
        kafkaProperties = Map.copyOf(kafkaProperties);
    }

    /** Parses {@code --key value} / {@code --key=value} program arguments (the `flink run` form). */
    public static JobOptions fromArgs(String[] args) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + a + "\" (options are --key value)");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return from(values);
    }

    /** Builds validated options from raw values by key; unknown keys and bad values name the flag. */
    public static JobOptions from(Map<String, List<String>> raw) {
        Map<String, Option> known = new LinkedHashMap<>();
        for (Option o : OPTIONS) {
            known.put(o.key(), o);
        }
        for (Map.Entry<String, List<String>> e : raw.entrySet()) {
            if (!known.containsKey(e.getKey())) {
                throw new IllegalArgumentException("--" + e.getKey() + ": unknown option (known: "
                        + String.join(", ", known.keySet()) + ")");
            }
            if (e.getValue().size() > 1 && !e.getKey().equals("kafka-property")) {
                throw new IllegalArgumentException("--" + e.getKey() + " is given more than once");
            }
        }
        Reader r = new Reader(raw, known);
        Map<String, String> kafka = new LinkedHashMap<>();
        for (String kv : raw.getOrDefault("kafka-property", List.of())) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--kafka-property: expected KEY=VALUE, got \"" + kv + "\"");
            }
            kafka.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        JobOptions o = new JobOptions(
                r.required("bootstrap-servers"),
                r.required("clicks-topic"),
                r.required("interests-topic"),
                r.required("weights-topic"),
                r.required("dead-letter-topic"),
                r.nonEmpty("group-id"),
                r.parse("output-format", OutputFormat::parse),
                r.parse("delivery", Delivery::parse),
                r.intIn("parallelism", 0, 32768),
                r.string("checkpoint-dir"),
                r.duration("checkpoint-interval", Duration.ofMillis(10), Duration.ofDays(1)),
                r.duration("state-ttl", Duration.ZERO, Duration.ofDays(3650)),
                r.bool("refresh-on-model-change"),
                r.intIn("window-length", 1, 100_000),
                r.memory("window-cache-memory"),
                r.parse("min-ts", JobOptions::parseInstant),
                r.duration("max-future", Duration.ZERO, Duration.ofDays(3650)),
                r.intIn("max-id-length", 1, 65_535),
                r.intIn("max-record-bytes", 16, 64 * 1024 * 1024),
                r.longIn("max-model-bytes", 1024, Integer.MAX_VALUE - 16),
                r.nonEmpty("transactional-id-prefix"),
                r.duration("transaction-timeout", Duration.ofSeconds(1), MAX_TRANSACTION_TIMEOUT),
                r.nonEmpty("job-name"),
                kafka,
                r.string("feature-store"));
        // Parsed here once so a bad URL is a usage error naming its parameter, not a failing task later.
        o.featureStoreOptions();
        Duration ttl = o.stateTtl();
        if (!ttl.isZero() && ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--state-ttl: must be PT0S (keep forever) or at least PT1S, got " + ttl);
        }
        for (String topic : List.of(o.clicksTopic, o.interestsTopic, o.weightsTopic, o.deadLetterTopic)) {
            if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("topic \"" + topic + "\" is not a valid Kafka topic name");
            }
        }
        if (o.interestsTopic.equals(o.clicksTopic) || o.deadLetterTopic.equals(o.clicksTopic)
                || o.weightsTopic.equals(o.clicksTopic) || o.interestsTopic.equals(o.weightsTopic)) {
            throw new IllegalArgumentException("--clicks-topic, --interests-topic and --weights-topic must differ");
        }
        return o;
    }

    /** The click parser configured by these options. */
    public ClickEventParser parser() {
        return new ClickEventParser(maxIdLength, maxRecordBytes, minTs, maxFuture.toMillis(),
                System::currentTimeMillis);
    }

    /** The Redis feature store the job also writes, when {@code --feature-store} is given. */
    public Optional<FeatureStoreOptions> featureStoreOptions() {
        return featureStore.isEmpty() ? Optional.empty() : Optional.of(FeatureStoreOptions.parse(featureStore));
    }

    /**
     * Like the record's own toString, but with secrets hidden: the values of Kafka client settings that carry
     * credentials (sasl.jaas.config, ssl.*.password, ...). Options end up in logs and exception messages;
     * passwords must not. (The feature-store URL cannot carry credentials: parsing refuses them.)
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("JobOptions[");
        var components = JobOptions.class.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            String name = components[i].getName();
            Object value;
            if (name.equals("kafkaProperties")) {
                value = redacted(kafkaProperties);
            } else {
                try {
                    value = components[i].getAccessor().invoke(this);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            sb.append(i == 0 ? "" : ", ").append(name).append('=').append(value);
        }
        return sb.append(']').toString();
    }

    /** Kafka client settings with the values of credential-bearing keys replaced by [hidden]. */
    public static Map<String, String> redacted(Map<String, String> kafkaProperties) {
        Map<String, String> out = new LinkedHashMap<>();
        kafkaProperties.forEach((k, v) -> out.put(k, isSecret(k) ? "[hidden]" : v));
        return out;
    }

    /** Kafka's PASSWORD-typed settings and the usual credential names of pluggable login modules. */
    static boolean isSecret(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.contains("credential") || k.endsWith(".key") || k.equals("ssl.keystore.key");
    }

    /** Kafka client properties common to every source and sink. */
    public Properties kafkaClientProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        return p;
    }

    public JobOptions withCheckpointDir(String dir) {
        return new JobOptions(bootstrapServers, clicksTopic, interestsTopic, weightsTopic, deadLetterTopic, groupId,
                outputFormat, delivery, parallelism, dir, checkpointInterval, stateTtl, refreshOnModelChange,
                windowLength, windowCacheBytes, minTs, maxFuture, maxIdLength, maxRecordBytes, maxModelBytes, transactionalIdPrefix,
                transactionTimeout, jobName, kafkaProperties, featureStore);
    }

    static long parseInstant(String s) {
        if (s.matches("-?\\d+")) {
            return Long.parseLong(s);
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("expected an ISO-8601 instant (2000-01-01T00:00:00Z) or epoch millis");
        }
    }

    /** Reads raw values with defaults; wraps every failure with the flag name. */
    private static final class Reader {
        private final Map<String, List<String>> raw;
        private final Map<String, Option> known;

        Reader(Map<String, List<String>> raw, Map<String, Option> known) {
            this.raw = raw;
            this.known = known;
        }

        String string(String key) {
            List<String> v = raw.get(key);
            return v == null || v.isEmpty() ? known.get(key).defaultValue() : v.get(0).trim();
        }

        String required(String key) {
            String v = string(key);
            if (v == null || v.isEmpty()) {
                throw new IllegalArgumentException("--" + key + " is required: " + known.get(key).description());
            }
            return v;
        }

        String nonEmpty(String key) {
            String v = string(key);
            if (v.isEmpty()) {
                throw new IllegalArgumentException("--" + key + " must not be empty");
            }
            return v;
        }

        <T> T parse(String key, java.util.function.Function<String, T> parser) {
            String v = string(key);
            try {
                return parser.apply(v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--" + key + ": invalid value \"" + v + "\": " + e.getMessage(), e);
            }
        }

        int intIn(String key, int min, int max) {
            return (int) longIn(key, min, max);
        }

        long longIn(String key, long min, long max) {
            long v = parse(key, Long::parseLong);
            if (v < min || v > max) {
                throw new IllegalArgumentException("--" + key + ": " + v + " is outside " + min + ".." + max);
            }
            return v;
        }

        /** A memory size: bytes, or a number with a unit (k, m, g; kb, mb, gb). */
        long memory(String key) {
            return parse(key, s -> {
                long bytes = MemorySize.parseBytes(s);
                if (bytes < 0) {
                    throw new IllegalArgumentException("must not be negative");
                }
                return bytes;
            });
        }

        boolean bool(String key) {
            return parse(key, s -> switch (s.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw new IllegalArgumentException("expected true or false");
            });
        }

        Duration duration(String key, Duration min, Duration max) {
            Duration d = parse(key, s -> {
                try {
                    return Duration.parse(s);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("expected an ISO-8601 duration such as PT5S, PT10M or P30D");
                }
            });
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException("--" + key + ": " + d + " is outside " + min + ".." + max);
            }
            return d;
        }
    }
}
