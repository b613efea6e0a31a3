package io.mindstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class TrainCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        CommandLine cl = MindStreamCli.configure(new CommandLine(new TrainCommand()));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        return cl.execute(args);
    }

    private Path s3rec() throws Exception {
        SplittableRandom rnd = new SplittableRandom(4);
        List<String> lines = new ArrayList<>();
        for (int u = 0; u < 300; u++) {
            StringBuilder sb = new StringBuilder(String.valueOf(u));
            int topic = rnd.nextInt(6);
            for (int i = 0; i < 12; i++) {
                sb.append(' ').append(topic * 20 + rnd.nextInt(20));
            }
            lines.add(sb.toString());
        }
        lines.add("oops");
        Path f = dir.resolve("seq.txt");
        Files.write(f, lines);
        return f;
    }

    @Test
    void trainsWritesALoadableBundleAndTheMetricsReport() throws Exception {
        Path in = s3rec();
        Path bundle = dir.resolve("bundle");
        Path metrics = dir.resolve("m/metrics.json");
        int code = run("--input", in.toString(), "--format", "s3rec", "--output", bundle.toString(), "--dim", "8",
                "--interests", "2", "--max-len", "10", "--batch", "16", "--iterations", "120", "--eval-every", "60",
                "--threads", "1", "--metrics-out", metrics.toString());
        assertEquals(TrainCommand.MALFORMED_LINES, code, err.toString(StandardCharsets.UTF_8));
        MindModel m = ModelBundle.read(bundle);
        assertEquals(8, m.dim());
        assertTrue(m.version().matches("\\d{8}T\\d{4}Z-\\d{4}"), m.version());
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertTrue(stdout.contains("1 malformed"), stdout);
        assertTrue(stdout.contains("most_popular"), stdout);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("line 301"), err.toString(StandardCharsets.UTF_8));
        JsonNode json = new ObjectMapper().readTree(metrics.toFile());
        assertEquals(m.version(), json.get("model_version").asText());
        assertTrue(json.at("/metrics/mind/recall@50").isNumber());
        assertTrue(json.at("/metrics/single_vector/ndcg@20").isNumber());
        assertEquals(1, json.at("/load/malformed").asInt());

        // a second run into the same directory issues a later version
        out.reset();
        assertEquals(TrainCommand.MALFORMED_LINES, run("--input", in.toString(), "--format", "s3rec", "--output", bundle.toString(), "--dim", "8",
                "--interests", "2", "--max-len", "10", "--batch", "16", "--iterations", "20", "--no-baselines",
                "--threads", "1"));
        assertTrue(ModelBundle.read(bundle).version().compareTo(m.version()) > 0);
    }

    @Test
    void badFlagsAreNamed() throws Exception {
        Path in = s3rec();
        assertEquals(2, run("--input", in.toString(), "--format", "csv", "--output", dir.resolve("x").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--format"));
        err.reset();
        assertEquals(2, run("--input", in.toString(), "--format", "s3rec", "--output", dir.resolve("x").toString(),
                "--lr", "-1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--lr"));
        err.reset();
        assertEquals(2, run("--input", in.toString(), "--format", "s3rec", "--output", dir.resolve("x").toString(),
                "--routing-softmax", "capsules"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--routing-softmax"));
        err.reset();
        assertEquals(2, run("--format", "jsonl", "--output", dir.resolve("x").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--input"));
        err.reset();
        assertEquals(2, run("--input", dir.resolve("missing").toString(), "--format", "s3rec", "--output", "x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not a readable file"));
        err.reset();
        assertEquals(2, run("--input", in.toString(), "--format", "s3rec", "--output", "x", "--time-budget", "8 minutes"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--time-budget"), err.toString(StandardCharsets.UTF_8));
    }
}
