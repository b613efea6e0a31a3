package io.mindstream.cli;

import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.routing.RoutingKernels;
import io.mindstream.score.BatchScorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

/**
 * {@code score}: batch inference over JSON lines (MIND.md, "The score command"). A thin wrapper: the work is
 * {@link BatchScorer}'s.
 */
@Command(name = "score",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Computes every user's interests with a model bundle, one JSON line in, one JSON line out, in input order.",
            "Input line:  {\"user_id\": \"u1\", \"items\": [\"i1\", \"i2\"]} (oldest item first),"
                    + " optionally \"init_logits\": [[...], ...] (at least K' rows of one value per usable behaviour).",
            "Output line: {\"user_id\": \"u1\", \"model_version\": \"...\", \"interests\": [[d floats], ...],"
                    + " \"sequence_length\": n}.",
            "Malformed lines are reported on stderr with their line number and skipped (exit code 3)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every line scored",
            "1:failed (unreadable model bundle or file)",
            "2:invalid command line",
            "3:finished, but some lines were malformed and skipped"})
public final class ScoreCommand implements Callable<Integer> {

    /** Exit code when some lines were skipped. */
    static final int MALFORMED_LINES = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model bundle directory (mind-bundle/1).")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "IN.jsonl", description = "Input JSON lines; '-' reads stdin.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "OUT.jsonl",
            description = "Output JSON lines (written to a temporary file, then renamed); '-' writes stdout.")
    String output;

    private int threads = Runtime.getRuntime().availableProcessors();
    private int batchSize = BatchScorer.DEFAULT_BATCH_LINES;

    // Console streams for '-'; replaced in tests.
    InputStream stdin = System.in;
    OutputStream stdout = new FileOutputStream(FileDescriptor.out);

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads, each with its own encoder (default: all cores).")
    void threads(int value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + value);
        }
        threads = value;
    }

    @Option(names = "--batch-size", paramLabel = "LINES",
            description = "Lines read, scored in parallel and written per batch; bounds memory (default: "
                    + BatchScorer.DEFAULT_BATCH_LINES + ").")
    void batchSize(int value) {
        if (value < 1 || value > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be in 1..1000000, got " + value);
        }
        batchSize = value;
    }

    @Override
    public Integer call() throws IOException {
        MindModel m = ModelBundle.read(model);
        PrintWriter err = spec.commandLine().getErr();
        String source = "-".equals(input) ? "stdin" : input;
        BatchScorer.Summary summary;
        try (BatchScorer scorer = new BatchScorer(m, RoutingKernels.best(), threads, batchSize);
             BufferedReader in = openInput()) {
            BatchScorer.ErrorSink errors = (line, reason) -> err.println(
                    spec.qualifiedName() + ": " + source + " line " + line + ": " + reason + " (skipped)");
            if ("-".equals(output)) {
                Writer out = new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), 1 << 16);
                summary = scorer.score(in, out, errors);
            } else {
                summary = scoreToFile(scorer, in, errors);
            }
        }
        err.println(spec.qualifiedName() + ": " + summary.scored() + " users scored with model " + m.version()
                + (summary.malformed() > 0 ? ", " + summary.malformed() + " malformed lines skipped" : "")
                + (summary.unknownItems() > 0 ? ", " + summary.unknownItems() + " unknown items ignored" : ""));
        err.flush();
        return summary.malformed() > 0 ? MALFORMED_LINES : 0;
    }

    private BufferedReader openInput() throws IOException {
        InputStream s = "-".equals(input) ? stdin : Files.newInputStream(Path.of(input));
        return new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8), 1 << 16);
    }

    // Readers of OUT.jsonl never see a half-written file: write beside it, then rename.
    private BatchScorer.Summary scoreToFile(BatchScorer scorer, BufferedReader in, BatchScorer.ErrorSink errors)
            throws IOException {
        Path target = Path.of(output).toAbsolutePath();
        Path parent = target.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new CommandFailedException("--output: directory " + parent + " does not exist");
        }
        // not Files.createTempFile: its 0600 mode would end up on OUT.jsonl
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            BatchScorer.Summary summary;
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                summary = scorer.score(in, out, errors);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return summary;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
