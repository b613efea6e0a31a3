package io.mindstream.cli;

import io.mindstream.bench.RoutingBenchmark;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code bench}: runs the JMH benchmarks shipped in the distribution and prints one line per result. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the benchmarks (routing: JMH; pipeline: the streaming job end to end) and print one line per result.",
        subcommands = {BenchCommand.Routing.class, BenchPipelineCommand.class})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public BenchCommand() {
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: routing or pipeline");
    }

    /** Runs {@code bench} on its own, for use without the root command. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    /**
     * {@code bench routing}: the per-event routing cost (InterestEncoder.encode: item lookups, deterministic
     * initial logits, R = 3 routing iterations, fixed K, a full window of L known behaviours) for each shape
     * and implementation, in a forked JVM per case.
     */
    @Command(name = "routing", mixinStandardHelpOptions = true,
            description = {"Benchmark one user's interest computation for shapes (L,d,K) = "
                    + "(20,32,4), (50,64,4), (100,128,8), R = 3, with the vector, scalar and nd4j implementations.",
                    "Prints lines like: routing L=50 d=64 K=4 R=3 vector: 4800 ns/op"})
    static final class Routing implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "5",
                description = "Warm-up iterations per case (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--measurement", paramLabel = "N", defaultValue = "3",
                description = "Measured iterations per case (default: ${DEFAULT-VALUE}).")
        int measurement;

        @Option(names = "--time", paramLabel = "DURATION", defaultValue = "PT1S",
                description = "Length of each iteration, ISO-8601 (default: ${DEFAULT-VALUE}).")
        Duration time;

        @Option(names = "--forks", paramLabel = "N", defaultValue = "1",
                description = "Forked JVMs per case (default: ${DEFAULT-VALUE}).")
        int forks;

        @Option(names = "--impl", paramLabel = "NAME", split = ",",
                description = "Only these implementations: vector, scalar, nd4j (default: all).")
        List<String> implementations;

        @Option(names = "--shape", paramLabel = "LxdxK", split = ",",
                description = "Only these shapes, e.g. 50x64x4 (default: 20x32x4, 50x64x4, 100x128x8).")
        List<String> shapes;

        @Option(names = "--statistic", paramLabel = "STAT", defaultValue = "median",
                description = "median (of single timed calls, robust to the thread being descheduled on a busy "
                        + "machine) or mean (total time / calls) (default: ${DEFAULT-VALUE}).")
        String statistic;

        @Option(names = "--kernel",
                description = "Also measure the routing loop alone (lines start with 'routing-kernel').")
        boolean kernelToo;

        @Override
        public Integer call() {
            validate();
            try {
                return runAll();
            } catch (RunnerException e) {
                // e.g. another JMH run holds /tmp/jmh.lock: two benchmarks at once would measure each other
                spec.commandLine().getErr().println("bench routing failed: " + e.getMessage());
                return 1;
            }
        }

        private int runAll() throws RunnerException {
            List<String> shapeList = shapes == null ? Arrays.asList(RoutingBenchmark.SHAPES) : shapes;
            List<String> implList = implementations == null
                    ? Arrays.asList(RoutingBenchmark.IMPLEMENTATIONS) : implementations;
            PrintWriter out = spec.commandLine().getOut();
            for (String shape : shapeList) {
                for (String impl : implList) {
                    out.println(line("routing", shape, impl, run("encode", shape, impl)));
                    out.flush();
                    if (kernelToo) {
                        out.println(line("routing-kernel", shape, impl, run("kernel", shape, impl)));
                        out.flush();
                    }
                }
            }
            return 0;
        }

        private void validate() {
            CommandLine cl = spec.commandLine();
            if (warmup < 0) {
                throw new ParameterException(cl, "--warmup must be 0 or more, got " + warmup);
            }
            if (measurement < 1) {
                throw new ParameterException(cl, "--measurement must be at least 1, got " + measurement);
            }
            if (forks < 0) {
                throw new ParameterException(cl, "--forks must be 0 or more, got " + forks);
            }
            if (time.isNegative() || time.isZero() || time.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new ParameterException(cl, "--time must be between PT0.001S and PT10M, got " + time);
            }
            if (!statistic.equals("median") && !statistic.equals("mean")) {
                throw new ParameterException(cl, "--statistic must be median or mean, got '" + statistic + "'");
            }
            if (implementations != null) {
                for (String impl : implementations) {
                    if (!Arrays.asList(RoutingBenchmark.IMPLEMENTATIONS).contains(impl)) {
                        throw new ParameterException(cl, "--impl must be vector, scalar or nd4j, got '" + impl + "'");
                    }
                }
            }
            if (shapes != null) {
                for (String shape : shapes) {
                    String[] p = shape.split("x", -1);
                    boolean ok = p.length == 3;
                    for (int i = 0; ok && i < 3; i++) {
                        ok = p[i].matches("[1-9][0-9]{0,3}");
                    }
                    if (!ok) {
                        throw new ParameterException(cl, "--shape must be LxdxK with positive integers, got '"
                                + shape + "'");
                    }
                }
            }
        }

        private double run(String method, String shape, String impl) throws RunnerException {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include("^" + RoutingBenchmark.class.getName().replace(".", "\\.") + "\\." + method + "$")
                    .param("shape", shape)
                    .param("impl", impl)
                    .mode(statistic.equals("median") ? Mode.SampleTime : Mode.AverageTime)
                    .timeUnit(TimeUnit.NANOSECONDS)
                    .forks(forks)
                    .warmupIterations(warmup)
                    .measurementIterations(measurement)
                    .warmupTime(TimeValue.nanoseconds(time.toNanos()))
                    .measurementTime(TimeValue.nanoseconds(time.toNanos()))
                    // -Xbatch: compile in the foreground, so that even on a busy machine the short warm-up
                    // ends with the benchmark running compiled code rather than a compile still queued
                    .jvmArgsAppend("--add-modules", "jdk.incubator.vector", "-Xbatch")
                    .shouldFailOnError(true)
                    .verbosity(VerboseMode.SILENT);
            // JMH relays what the forked JVM writes (the incubator module warning) to its output format;
            // discard it so that the command prints only its result lines
            PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
            Collection<RunResult> results = new Runner(options.build(),
                    OutputFormatFactory.createFormatInstance(discard, VerboseMode.SILENT)).run();
            if (results.size() != 1) {
                throw new IllegalStateException("expected one JMH result for " + method + " " + shape + " " + impl
                        + ", got " + results.size());
            }
            Result<?> primary = results.iterator().next().getPrimaryResult();
            return statistic.equals("median") ? primary.getStatistics().getPercentile(50.0) : primary.getScore();
        }

        static String line(String prefix, String shape, String impl, double nanos) {
            String[] p = shape.split("x");
            return prefix + " L=" + p[0] + " d=" + p[1] + " K=" + p[2] + " R=" + RoutingBenchmark.ITERATIONS + " "
                    + impl + ": " + Math.round(nanos) + " ns/op";
        }
    }
}
