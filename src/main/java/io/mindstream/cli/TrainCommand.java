package io.mindstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mindstream.event.ModelPublisher;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.train.BundleOutput;
import io.mindstream.train.KafkaClicks;
import io.mindstream.train.PeriodicTrainer;
import io.mindstream.routing.RoutingSoftmax;
import io.mindstream.train.ClickLoader;
import io.mindstream.train.DataSplit;
import io.mindstream.train.InputFormat;
import io.mindstream.train.Interactions;
import io.mindstream.train.LoadReport;
import io.mindstream.train.ModelVersions;
import io.mindstream.train.TrainOptions;
import io.mindstream.train.TrainResult;
import io.mindstream.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code train}: train MIND on click history, measure it against baselines, write a model bundle. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains MIND on click history with ND4J, evaluates it on held-out users (ComiRec protocol) "
                + "against most-popular and a single-vector model, and writes a mind-bundle/1 model bundle.")
public class TrainCommand implements Callable<Integer> {

    @Option(names = "--input", paramLabel = "FILE", description = "Click history file (or --from-kafka).")
    Path input;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "jsonl (the stream's click events), s3rec, movielens (ratings.csv) or taobao "
                    + "(UserBehavior.csv) (default: jsonl).")
    String format = "jsonl";

    @Option(names = "--from-kafka", description = "Read the click topic (JSONL values) from the earliest to the "
            + "end offsets at start instead of --input.")
    boolean fromKafka;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...", description = "Kafka brokers for --from-kafka and --publish.")
    String bootstrapServers;

    @Option(names = "--clicks-topic", paramLabel = "TOPIC", description = "Click topic for --from-kafka.")
    String clicksTopic;

    @Option(names = "--publish", description = "Also publish the model to --weights-topic on --bootstrap-servers "
            + "(inline chunks, as the publish command); retried, and the bundle in --output is replaced only after "
            + "the publication succeeded.")
    boolean publish;

    @Option(names = "--weights-topic", paramLabel = "TOPIC", description = "The job's weights topic, for --publish.")
    String weightsTopic;

    @Option(names = "--chunk-bytes", description = "Largest weights-topic chunk (default ${DEFAULT-VALUE}).")
    int chunkBytes = ModelPublisher.DEFAULT_CHUNK_BYTES;

    @Option(names = "--every", paramLabel = "DURATION",
            description = "Retrain periodically (ISO-8601, e.g. PT1H): warm start from the bundle in --output, "
                    + "replace it only when the quality gate passes.")
    Duration every;

    @Option(names = "--rounds", description = "With --every: stop after this many rounds (default: run until stopped).")
    long rounds = Long.MAX_VALUE;

    @Option(names = "--gate-tolerance", description = "With --every: publish when validation Recall@50 >= "
            + "(1 - tolerance) x the current model's on the same users (default: ${DEFAULT-VALUE}).")
    double gateTolerance = 0.05;

    @Option(names = "--behaviors", split = ",", paramLabel = "TYPE",
            description = "Taobao behaviour types that count, comma separated (default: pv).")
    List<String> behaviours = List.of("pv");

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Bundle directory to write.")
    Path output;

    @Option(names = "--metrics-out", paramLabel = "FILE.json", description = "Also write the metrics report as JSON.")
    Path metricsOut;

    @Option(names = "--dim", description = "Embedding dimension d (default: ${DEFAULT-VALUE}).")
    int dim = 64;

    @Option(names = "--interests", description = "Interests K (default: ${DEFAULT-VALUE}).")
    int interests = 4;

    @Option(names = "--max-len", description = "Behaviours per user L (default: ${DEFAULT-VALUE}).")
    int maxLen = 20;

    @Option(names = "--routing-iterations", description = "Routing iterations R (default: ${DEFAULT-VALUE}).")
    int routingIterations = 3;

    @Option(names = "--routing-softmax", paramLabel = "AXIS",
            description = "interests (the paper) or behaviours (default: ${DEFAULT-VALUE}).")
    String routingSoftmax = "interests";

    @Option(names = "--attention-power", paramLabel = "P",
            description = "Label-aware attention power p; inf = hard argmax (default: ${DEFAULT-VALUE}).")
    String attentionPower = "inf";

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch = 128;

    @Option(names = "--lr", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 0.005f;

    @Option(names = "--negatives", paramLabel = "M",
            description = "Sampled-softmax negatives per batch; 0 = full softmax (default: full up to "
                    + TrainOptions.FULL_SOFTMAX_MAX_ITEMS + " items, else " + TrainOptions.DEFAULT_NEGATIVES + ").")
    Integer negatives;

    @Option(names = "--iterations", description = "Maximum training steps (batches) (default: unbounded).")
    Long iterations;

    @Option(names = "--time-budget", paramLabel = "DURATION",
            description = "Training time of the MIND model, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration timeBudget = Duration.ofMinutes(10);

    @Option(names = "--baseline-time-budget", paramLabel = "DURATION",
            description = "Training time of the single-vector baseline (default: a third of --time-budget).")
    Duration baselineTimeBudget;

    @Option(names = "--eval-every", description = "Steps between validation evaluations (default: ${DEFAULT-VALUE}).")
    int evalEvery = 500;

    @Option(names = "--patience", description = "Evaluations without improvement before stopping (default: ${DEFAULT-VALUE}).")
    int patience = 10;

    @Option(names = "--seed", description = "Seed of the user split and of training (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--threads", description = "Compute threads (default: the available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--split", paramLabel = "MODE",
            description = "comirec (users 8:1:1 train/validation/test) or train-only (the input is a training "
                    + "population: 9:1 train/validation, no test) (default: ${DEFAULT-VALUE}).")
    String split = "comirec";

    @Option(names = "--no-baselines", description = "Skip the single-vector baseline.")
    boolean noBaselines;

    /** Exit code when training finished but some input lines were malformed and skipped (as score). */
    static final int MALFORMED_LINES = 3;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private PrintWriter err;

    public TrainCommand() {
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        TrainOptions options;
        InputFormat fmt;
        try {
            fmt = ClickLoader.parseFormat(format);
            options = options();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (fromKafka == (input != null)) {
            throw usage("give either --input FILE or --from-kafka");
        }
        if (fromKafka && (bootstrapServers == null || clicksTopic == null)) {
            throw usage("--from-kafka needs --bootstrap-servers and --clicks-topic");
        }
        if (fromKafka && fmt != InputFormat.JSONL) {
            throw usage("--from-kafka reads the stream's click events; --format must be jsonl");
        }
        if (input != null && !Files.isRegularFile(input)) {
            throw usage("--input " + input + " is not a readable file");
        }
        if (publish && (bootstrapServers == null || weightsTopic == null)) {
            throw usage("--publish needs --bootstrap-servers and --weights-topic");
        }
        if (chunkBytes < 1024) {
            throw usage("--chunk-bytes must be at least 1024, got " + chunkBytes);
        }
        if (every != null && (every.isNegative() || every.isZero())) {
            throw usage("--every must be a positive ISO-8601 duration such as PT1H, got " + every);
        }
        Set<String> kinds = new LinkedHashSet<>();
        behaviours.forEach(b -> kinds.add(b.strip().toLowerCase(Locale.ROOT)));
        ClickLoader loader = new ClickLoader(fmt, kinds);
        if (every != null) {
            return periodic(options, loader);
        }
        Interactions data = load(loader);
        LoadReport report = loader.report();

        String version = ModelVersions.next(Instant.now(), previousVersion(output));
        DataSplit dataSplit;
        TrainResult result;
        try (ConsoleProgress progress = new ConsoleProgress(out, System.console() != null)) {
            dataSplit = DataSplit.of(data, options.splitMode(), options.seed());
            result = Trainer.train(dataSplit, version, options, progress);
        }
        publishWithRetry(result.model());
        out.println("wrote model " + result.model().version() + " (" + result.model().itemCount() + " items) to "
                + output + (publish ? " and published it to " + weightsTopic : ""));
        out.print(result.table());
        out.printf(Locale.ROOT, "training: mind %d steps, %.0f samples/s%s%n", result.mind().steps(),
                result.mind().samplesPerSecond(), result.singleVector() == null ? ""
                        : String.format(Locale.ROOT, "; single-vector %d steps, %.0f samples/s",
                        result.singleVector().steps(), result.singleVector().samplesPerSecond()));
        if (metricsOut != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("input", input != null ? input.toString() : "kafka:" + clicksTopic);
            json.put("format", fmt.name().toLowerCase(Locale.ROOT));
            json.put("load", Map.of("lines", report.lines(), "behaviours", report.events(),
                    "filtered", report.filtered(), "malformed", report.malformed()));
            json.putAll(result.toMap());
            json.put("options", optionsMap());
            json.put("machine", Map.of("processors", Runtime.getRuntime().availableProcessors(),
                    "java", System.getProperty("java.version"), "os", System.getProperty("os.name") + " "
                            + System.getProperty("os.arch")));
            Path parent = metricsOut.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(metricsOut.toFile(), json);
            out.println("metrics written to " + metricsOut);
        }
        out.flush();
        return report.malformed() > 0 ? MALFORMED_LINES : 0;
    }

    private Interactions load(ClickLoader loader) throws IOException {
        Interactions data = fromKafka
                ? KafkaClicks.load(bootstrapServers, clicksTopic, loader, Duration.ofMinutes(10))
                : loader.load(input);
        LoadReport report = loader.report();
        out.println("read " + (fromKafka ? "topic " + clicksTopic : input.toString()) + ": " + report.summary() + "; "
                + data.userCount() + " users, " + data.itemCount() + " items");
        report.malformedExamples().forEach(x -> err.println(spec.qualifiedName() + ": malformed " + x + " (skipped)"));
        err.flush();
        return data;
    }

    private int periodic(TrainOptions options, ClickLoader loader) throws IOException, InterruptedException {
        MindModel current = Files.isRegularFile(output.resolve(ModelBundle.CONFIG_FILE)) ? ModelBundle.read(output) : null;
        if (current != null) {
            out.println("current model " + current.version() + " from " + output);
        }
        PeriodicTrainer periodic;
        try (ConsoleProgress progress = new ConsoleProgress(out, System.console() != null)) {
            periodic = new PeriodicTrainer(() -> load(loader), options, gateTolerance, this::deliver, current, progress,
                    PUBLISH_ATTEMPTS, PUBLISH_BACKOFF);
            periodic.run(every, rounds);
        }
        return 0;
    }

    static final int PUBLISH_ATTEMPTS = 3;
    static final Duration PUBLISH_BACKOFF = Duration.ofSeconds(2);

    /**
     * Publishes (when asked) and then replaces the bundle: the directory always holds the last model that was
     * fully published, which is what the next periodic round warm-starts from. Chunks of a failed publication
     * are never completed, so the job's assembler never applies them.
     */
    private void deliver(MindModel model) throws Exception {
        if (publish) {
            try (ModelPublisher publisher = new ModelPublisher(bootstrapServers, weightsTopic, chunkBytes, Map.of())) {
                int chunks = publisher.publishInline(model.version(), ModelBundle.toPayload(model));
                out.println("published " + model.version() + " to " + weightsTopic + " in " + chunks + " chunk(s)");
            }
        }
        BundleOutput.replace(model, output);
    }

    private void publishWithRetry(MindModel model) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                deliver(model);
                return;
            } catch (Exception e) {
                if (attempt == PUBLISH_ATTEMPTS) {
                    throw new CommandFailedException("publishing " + model.version() + " failed after " + attempt
                            + " attempts: " + e.getMessage(), e);
                }
                err.println(spec.qualifiedName() + ": publish attempt " + attempt + " failed (" + e.getMessage()
                        + "), retrying");
                err.flush();
                Thread.sleep(PUBLISH_BACKOFF.toMillis() << (attempt - 1));
            }
        }
    }

    TrainOptions options() {
        float p = attentionPower.equalsIgnoreCase("inf") || attentionPower.equalsIgnoreCase("infinity")
                ? Float.POSITIVE_INFINITY : parsePower(attentionPower);
        DataSplit.Mode mode = switch (split.toLowerCase(Locale.ROOT)) {
            case "comirec" -> DataSplit.Mode.COMIREC;
            case "train-only" -> DataSplit.Mode.TRAIN_ONLY;
            default -> throw new IllegalArgumentException("--split must be comirec or train-only, got " + split);
        };
        RoutingSoftmax axis;
        try {
            axis = RoutingSoftmax.fromWireName(routingSoftmax);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--routing-softmax must be interests or behaviours, got " + routingSoftmax);
        }
        TrainOptions o = new TrainOptions().dim(dim).interests(interests).maxLen(maxLen)
                .routingIterations(routingIterations).routingSoftmax(axis).attentionPower(p).batch(batch).lr(lr)
                .timeBudget(timeBudget).evalEvery(evalEvery).patience(patience).seed(seed).threads(threads)
                .split(mode).baselines(!noBaselines);
        if (negatives != null) {
            o.negatives(negatives);
        }
        if (iterations != null) {
            o.iterations(iterations);
        }
        if (baselineTimeBudget != null) {
            o.baselineTimeBudget(baselineTimeBudget);
        }
        return o.validate();
    }

    private static float parsePower(String s) {
        try {
            return Float.parseFloat(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--attention-power must be a positive number or inf, got " + s);
        }
    }

    private Map<String, Object> optionsMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dim", dim);
        m.put("interests", interests);
        m.put("max_len", maxLen);
        m.put("routing_iterations", routingIterations);
        m.put("routing_softmax", routingSoftmax);
        m.put("attention_power", attentionPower);
        m.put("batch", batch);
        m.put("lr", lr);
        m.put("negatives", negatives == null ? "auto" : negatives);
        m.put("iterations", iterations == null ? "unbounded" : iterations);
        m.put("time_budget", timeBudget.toString());
        m.put("baseline_time_budget", baselineTimeBudget == null ? timeBudget.dividedBy(3).toString()
                : baselineTimeBudget.toString());
        m.put("eval_every", evalEvery);
        m.put("patience", patience);
        m.put("seed", seed);
        m.put("threads", threads);
        m.put("split", split);
        return m;
    }

    /** The version of a bundle already in the output directory, so that the new one sorts after it. */
    private static String previousVersion(Path dir) {
        try {
            if (Files.isRegularFile(dir.resolve(ModelBundle.CONFIG_FILE))) {
                return ModelBundle.read(dir).version();
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable previous bundle is replaced; its version cannot constrain the new one
        }
        return null;
    }
}
