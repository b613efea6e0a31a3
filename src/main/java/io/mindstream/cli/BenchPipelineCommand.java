package io.mindstream.cli;

import io.mindstream.bench.PipelineBenchmark;
import io.mindstream.job.JobOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bench pipeline}: the end-to-end benchmark of the streaming updater ({@link PipelineBenchmark}); one line
 * per case on stdout, progress on stderr. docs/BENCHMARKS.md explains the cases and the figures.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Measures the streaming job on an embedded Flink runtime with RocksDB state: the MIND operator "
            + "and a trivial keyed baseline at maximum rate on warm state, Kafka -> job -> Kafka throughput "
            + "(at-least-once, exactly-once) and latency at a fixed offered rate.",
            "Prints one line per case: bench case=<name> events_per_s=<n> p50_ms=<x> p99_ms=<y> [key=value ...]",
            "Takes about 6-8 minutes with the defaults; the Flink settings come from flink-conf/config.yaml."})
public final class BenchPipelineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--users", defaultValue = "100000", description = "Distinct users (keys), uniformly drawn (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--items", defaultValue = "10000", description = "Items in the generated model (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--window-length", defaultValue = "100", description = "Behaviours kept per user, all filled before measuring (default: ${DEFAULT-VALUE}, the job's default).")
    int windowLength;

    @Option(names = "--max-sequence-length", defaultValue = "50", description = "L, behaviours routed per update (default: ${DEFAULT-VALUE}).")
    int maxSequenceLength;

    @Option(names = "--dim", defaultValue = "64", description = "d (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--interests", defaultValue = "4", description = "K, fixed (dynamic_interests false) (default: ${DEFAULT-VALUE}).")
    int interests;

    @Option(names = "--parallelism", defaultValue = "0", description = "Job parallelism; 0 = the number of cores (default).")
    int parallelism;

    @Option(names = "--warmup", defaultValue = "PT15S", description = "Per case, ISO-8601, not measured (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--kafka-warmup", defaultValue = "PT45S",
            description = {"Per kafka case, ISO-8601, not measured (default: ${DEFAULT-VALUE}): longer than --warmup "
                + "because the broker's and the clients' code is compiled by the JIT while the first kafka case runs."})
    Duration kafkaWarmup;

    @Option(names = "--measure", defaultValue = "PT30S", description = "Per case, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration measure;

    @Option(names = "--latency-rate", defaultValue = "2000", description = "Events/s offered in the latency cases (default: ${DEFAULT-VALUE}).")
    int latencyRate;

    @Option(names = "--cases", split = ",", paramLabel = "CASE",
            description = "Comma-separated subset of: operator-mind, operator-baseline, kafka-at-least-once, "
                + "kafka-exactly-once, kafka-latency-2000, kafka-latency-2000-exactly-once (default: all, in this order).")
    List<String> cases = PipelineBenchmark.CASES;

    @Option(names = "--managed-memory", defaultValue = "1372m",
            description = {"Managed memory of the embedded TaskManager, RocksDB's block cache and write buffers "
                + "(default: ${DEFAULT-VALUE}, what a deployed TaskManager of flink-conf/config.yaml gets: 0.4 of "
                + "the Flink memory of a 4096m process)."})
    String managedMemory;

    @Option(names = "--window-cache-memory", defaultValue = JobOptions.DEFAULT_WINDOW_CACHE_MEMORY,
            description = {"Heap per subtask for the compact windows of recently active users (the job's "
                + "--window-cache-memory; default: ${DEFAULT-VALUE}, the job's default; 0 = every event reads RocksDB)."})
    String windowCacheMemory;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the generated model and windows (default: ${DEFAULT-VALUE}).")
    long seed;

    public BenchPipelineCommand() {
    }

    @Override
    public Integer call() throws Exception {
        PipelineBenchmark.Options options;
        try {
            options = new PipelineBenchmark.Options(users, items, windowLength, maxSequenceLength, dim, interests,
                    parallelism == 0 ? Runtime.getRuntime().availableProcessors() : parallelism, warmup, kafkaWarmup,
                    measure,
                    latencyRate, cases, seed, managedMemory, windowCacheMemory);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        new PipelineBenchmark(options, msg -> {
            err.println("bench: " + msg);
            err.flush();
        }).run(line -> {
            out.println(line);
            out.flush();
        });
        return 0;
    }

}
