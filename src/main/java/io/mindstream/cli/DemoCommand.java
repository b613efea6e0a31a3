package io.mindstream.cli;

import io.mindstream.demo.Demo;
import io.mindstream.event.OutputFormat;
import io.mindstream.job.JobOptions;
import io.mindstream.train.ClickLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code demo}: the whole system in one process, with synthetic or replayed traffic. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the whole system in one process, with synthetic or replayed traffic.",
            "An embedded Kafka broker, the Flink job (RocksDB state, checkpoints), the ND4J trainer and traffic:",
            "trains and publishes a model, streams live events, retrains and swaps the model mid-run, then prints",
            "a sample user and a summary line. Every port, process and temporary directory is cleaned up."})
public class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", paramLabel = "DURATION",
            description = "How long live traffic flows, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration duration = Duration.ofSeconds(40);

    @Option(names = "--rate", description = "Live events per second (default: ${DEFAULT-VALUE}).")
    int rate = 1000;

    @Option(names = "--users", description = "Synthetic users (default: ${DEFAULT-VALUE}).")
    int users = 5000;

    @Option(names = "--clusters", description = "Synthetic item clusters, the planted interests (default: ${DEFAULT-VALUE}).")
    int clusters = 20;

    @Option(names = "--items-per-cluster", description = "Items in each cluster (default: ${DEFAULT-VALUE}).")
    int itemsPerCluster = 100;

    @Option(names = "--history-events", description = "Events generated before the first training (default: ${DEFAULT-VALUE}).")
    int historyEvents = 150_000;

    @Option(names = "--seed", description = "Seed of the synthetic world and the trainer (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--clicks", paramLabel = "FILE",
            description = "Replay real click history instead of synthetic traffic (needs --format).")
    Path clicks;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Format of --clicks: jsonl, s3rec, movielens or taobao.")
    String format;

    @Option(names = "--speedup", description = "With --clicks: replay at the file's own pace sped up by this factor; "
            + "1 (the default) sends at --rate instead.")
    double speedup = 1.0;

    @Option(names = "--delivery", paramLabel = "MODE",
            description = "at-least-once (default; the freshest updates) or exactly-once (updates visible at each "
                    + "checkpoint, every 2 s).")
    String delivery = "at-least-once";

    @Option(names = "--output-format", paramLabel = "FORMAT", description = "binary (default) or json.")
    String outputFormat = "binary";

    @Option(names = "--parallelism", description = "Parallelism of the Flink job (default: ${DEFAULT-VALUE}).")
    int parallelism = 1;

    @Option(names = "--train-budget", paramLabel = "DURATION",
            description = "Training time of the first model, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration trainBudget = Duration.ofSeconds(12);

    @Option(names = "--bad-record-rate", description = "Share of live records sent malformed on purpose, to show the "
            + "dead-letter path (default: ${DEFAULT-VALUE}).")
    double badRecordRate = 0.001;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
            description = "How long to wait at the end for every live event's update (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout = Duration.ofSeconds(60);

    @Override
    public Integer call() throws Exception {
        Demo.Options options;
        try {
            if (clicks != null && !Files.isRegularFile(clicks)) {
                throw new ParameterException(spec.commandLine(), "--clicks: no such file: " + clicks);
            }
            if (format != null && clicks == null) {
                throw new ParameterException(spec.commandLine(), "--format goes with --clicks");
            }
            JobOptions.Delivery d = switch (delivery) {
                case "at-least-once" -> JobOptions.Delivery.AT_LEAST_ONCE;
                case "exactly-once" -> JobOptions.Delivery.EXACTLY_ONCE;
                default -> throw new ParameterException(spec.commandLine(),
                        "--delivery must be at-least-once or exactly-once, got " + delivery);
            };
            options = new Demo.Options(duration, rate, users, clusters, itemsPerCluster, historyEvents, seed, clicks,
                    format == null ? null : ClickLoader.parseFormat(format), speedup, d, parseOutput(),
                    parallelism, trainBudget, badRecordRate, drainTimeout);
        } catch (ParameterException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintStream out = System.out;
        Demo demo = new Demo(options, out, System.console() != null);
        // Ctrl-C / SIGTERM: stop sending, clean up everything, then let the JVM exit.
        Thread hook = new Thread(() -> demo.requestStop(Duration.ofSeconds(60)), "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Demo.Summary s = demo.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting; the hook waits for the cleanup that run() has finished
        }
        return s.updates() == s.events() ? 0 : 1;
    }

    private OutputFormat parseOutput() {
        try {
            return OutputFormat.parse(outputFormat);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--output-format: " + e.getMessage());
        }
    }
}
