package io.mindstream.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.routing.RoutingKernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Batch inference over JSON lines, as the {@code score} command defines it (MIND.md): each input line
 * {@code {"user_id", "items": [...], "init_logits"?: [[...]]}} becomes one output line
 * {@code {"user_id", "model_version", "interests": [[...]], "sequence_length"}} in input order.
 *
 * <p>Memory stays bounded whatever the input size: lines are read in batches of {@code batchLines}, each batch is
 * split into one contiguous slice per worker thread (each worker owns one {@link InterestEncoder}, which is not
 * thread-safe), and the batch is written in order before the next one is read. Blank lines are skipped; a
 * malformed line is reported to the {@link ErrorSink} with its 1-based line number and skipped.
 *
 * <p>Floats are written as the shortest decimal that reads back as the same float32 (Schubfach, as Java 19+
 * {@code Float.toString} does; Java 17's {@code Float.toString} sometimes prints more digits and is slower, and
 * formatting dominates the cost of scoring).
 */
public final class BatchScorer implements AutoCloseable {

    public static final int DEFAULT_BATCH_LINES = 4096;
    /** Below this many lines per slice, a second thread costs more than it saves. */
    private static final int MIN_SLICE = 16;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final MindModel model;
    private final int threads;
    private final int batchLines;
    private final InterestEncoder[] encoders;
    private final ExecutorService pool;
    private final char[] quotedVersion;

    /** Receives malformed lines. Called from the thread that calls {@link #score}, in line order. */
    @FunctionalInterface
    public interface ErrorSink {
        void malformed(long lineNumber, String reason);
    }

    /**
     * @param lines        non-blank input lines read
     * @param scored       lines written
     * @param malformed    lines skipped as malformed
     * @param unknownItems items of scored lines that the model does not know (skipped for routing)
     */
    public record Summary(long lines, long scored, long malformed, long unknownItems) {
    }

    /**
     * @param kernel     the routing kernel (shared: kernels are stateless)
     * @param threads    worker threads, at least 1
     * @param batchLines lines per batch, at least 1
     */
    public BatchScorer(MindModel model, RoutingKernel kernel, int threads, int batchLines) {
        this.model = Objects.requireNonNull(model, "model");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (batchLines < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchLines);
        }
        this.threads = threads;
        this.batchLines = batchLines;
        this.encoders = new InterestEncoder[threads];
        for (int i = 0; i < threads; i++) {
            encoders[i] = new InterestEncoder(kernel);
        }
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, daemonThreads());
        this.quotedVersion = JsonStringEncoder.getInstance().quoteAsString(model.version());
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "score-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Scores every line of {@code in} into {@code out} (flushed at the end, not closed). */
    public Summary score(BufferedReader in, Writer out, ErrorSink errors) throws IOException {
        String[] lines = new String[batchLines];
        long[] numbers = new long[batchLines];
        String[] results = new String[batchLines];
        String[] problems = new String[batchLines];
        int[] unknown = new int[batchLines];
        long lineNumber = 0;
        long read = 0;
        long scored = 0;
        long malformed = 0;
        long unknownItems = 0;
        boolean eof = false;
        while (!eof) {
            int size = 0;
            while (size < batchLines) {
                String line = in.readLine();
                if (line == null) {
                    eof = true;
                    break;
                }
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                lines[size] = line;
                numbers[size] = lineNumber;
                size++;
            }
            if (size == 0) {
                break;
            }
            scoreBatch(lines, size, results, problems, unknown);
            for (int i = 0; i < size; i++) {
                if (problems[i] != null) {
                    errors.malformed(numbers[i], problems[i]);
                    malformed++;
                } else {
                    out.write(results[i]);
                    out.write('\n');
                    scored++;
                    unknownItems += unknown[i];
                }
                lines[i] = null;
                results[i] = null;
                problems[i] = null;
            }
            read += size;
        }
        out.flush();
        return new Summary(read, scored, malformed, unknownItems);
    }

    private void scoreBatch(String[] lines, int size, String[] results, String[] problems, int[] unknown)
            throws IOException {
        int slices = pool == null ? 1 : Math.max(1, Math.min(threads, (size + MIN_SLICE - 1) / MIN_SLICE));
        if (slices == 1) {
            new Slice(encoders[0], lines, 0, size, results, problems, unknown).call();
            return;
        }
        List<Callable<Void>> tasks = new ArrayList<>(slices);
        int per = (size + slices - 1) / slices;
        for (int s = 0; s < slices; s++) {
            int from = s * per;
            int to = Math.min(size, from + per);
            if (from < to) {
                tasks.add(new Slice(encoders[s], lines, from, to, results, problems, unknown));
            }
        }
        try {
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("scoring interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    /** One worker's contiguous part of a batch; writes only its own indices of the shared arrays. */
    private final class Slice implements Callable<Void> {
        private final InterestEncoder encoder;
        private final String[] lines;
        private final int from;
        private final int to;
        private final String[] results;
        private final String[] problems;
        private final int[] unknown;

        Slice(InterestEncoder encoder, String[] lines, int from, int to, String[] results, String[] problems,
              int[] unknown) {
            this.encoder = encoder;
            this.lines = lines;
            this.from = from;
            this.to = to;
            this.results = results;
            this.problems = problems;
            this.unknown = unknown;
        }

        @Override
        public Void call() {
            StringBuilder sb = new StringBuilder(256);
            for (int i = from; i < to; i++) {
                try {
                    ScoreRequest req = ScoreRequest.parse(lines[i]);
                    Interests v = encoder.encode(model, req.userId(), req.items(), req.items().length, req.initLogits());
                    sb.setLength(0);
                    results[i] = format(sb, req.userId(), v);
                    unknown[i] = v.unknownItems();
                } catch (MalformedLineException e) {
                    problems[i] = e.getMessage();
                } catch (IllegalArgumentException e) {
                    // the encoder's check of explicit init_logits against K' and n
                    problems[i] = e.getMessage();
                }
            }
            return null;
        }
    }

    private String format(StringBuilder sb, String userId, Interests v) {
        sb.append("{\"user_id\":\"").append(JsonStringEncoder.getInstance().quoteAsString(userId))
                .append("\",\"model_version\":\"").append(quotedVersion).append("\",\"interests\":[");
        float[] buf = v.buffer();
        int d = v.dim();
        for (int j = 0; j < v.count(); j++) {
            if (j > 0) {
                sb.append(',');
            }
            sb.append('[');
            for (int c = 0; c < d; c++) {
                if (c > 0) {
                    sb.append(',');
                }
                sb.append(NumberOutput.toString(buf[j * d + c], true));
            }
            sb.append(']');
        }
        sb.append("],\"sequence_length\":").append(v.sequenceLength()).append('}');
        return sb.toString();
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** A line that does not follow the input format; the message says what is wrong. */
    static final class MalformedLineException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedLineException(String message) {
            super(message, null, false, false);
        }
    }

    /** One parsed input line. */
    record ScoreRequest(String userId, String[] items, float[][] initLogits) {

        static ScoreRequest parse(String line) throws MalformedLineException {
            JsonNode root;
            try {
                root = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new MalformedLineException("not JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
            }
            if (root == null || !root.isObject()) {
                throw new MalformedLineException("not a JSON object");
            }
            JsonNode user = root.get("user_id");
            if (user == null) {
                throw new MalformedLineException("\"user_id\" is missing");
            }
            if (!user.isTextual()) {
                throw new MalformedLineException("\"user_id\" must be a string, got " + kind(user));
            }
            JsonNode itemsNode = root.get("items");
            if (itemsNode == null) {
                throw new MalformedLineException("\"items\" is missing");
            }
            if (!itemsNode.isArray()) {
                throw new MalformedLineException("\"items\" must be an array of strings, got " + kind(itemsNode));
            }
            String[] items = new String[itemsNode.size()];
            for (int i = 0; i < items.length; i++) {
                JsonNode it = itemsNode.get(i);
                if (!it.isTextual()) {
                    throw new MalformedLineException("\"items\"[" + i + "] must be a string, got " + kind(it));
                }
                items[i] = it.asText();
            }
            return new ScoreRequest(user.asText(), items, initLogits(root.get("init_logits")));
        }

        private static float[][] initLogits(JsonNode node) throws MalformedLineException {
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isArray()) {
                throw new MalformedLineException("\"init_logits\" must be an array of arrays of numbers, got " + kind(node));
            }
            float[][] rows = new float[node.size()][];
            for (int j = 0; j < rows.length; j++) {
                JsonNode row = node.get(j);
                if (!row.isArray()) {
                    throw new MalformedLineException("\"init_logits\"[" + j + "] must be an array of numbers, got "
                            + kind(row));
                }
                rows[j] = new float[row.size()];
                for (int i = 0; i < rows[j].length; i++) {
                    JsonNode x = row.get(i);
                    float f = x.isNumber() ? x.floatValue() : Float.NaN;
                    if (!Float.isFinite(f)) {
                        throw new MalformedLineException("\"init_logits\"[" + j + "][" + i
                                + "] must be a finite float32 number, got " + x);
                    }
                    rows[j][i] = f;
                }
            }
            return rows;
        }

        private static String kind(JsonNode n) {
            return switch (n.getNodeType()) {
                case ARRAY -> "an array";
                case OBJECT -> "an object";
                case NUMBER -> "a number";
                case STRING -> "a string";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
                default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
            };
        }
    }
}
