package io.mindstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code score} through the command line, as a user runs it. */
@Timeout(60)
class ScoreCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MindStreamCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path golden(String name) throws Exception {
        return Path.of(ScoreCommandTest.class.getResource("/golden/routing/" + name).toURI());
    }

    @ParameterizedTest
    @ValueSource(strings = {"behaviours-d8", "fixedk-d64", "fixedk-interests-d32", "interests-d16"})
    void matchesTheGoldenCases(String name) throws Exception {
        Path dir = golden(name);
        Path out = tmp.resolve("out.jsonl");
        Result r = run("score", "--model", dir.resolve("model").toString(), "--input", dir.resolve("input.jsonl").toString(),
                "--output", out.toString(), "--threads", "2", "--batch-size", "7");
        assertEquals(0, r.exitCode(), r.err());
        MindModel model = ModelBundle.read(dir.resolve("model"));
        List<String> inputs = Files.readAllLines(dir.resolve("input.jsonl"));
        List<String> expected = Files.readAllLines(dir.resolve("expected.jsonl"));
        List<String> got = Files.readAllLines(out);
        assertEquals(expected.size(), got.size());
        for (int line = 0; line < got.size(); line++) {
            JsonNode in = JSON.readTree(inputs.get(line));
            JsonNode want = JSON.readTree(expected.get(line));
            JsonNode g = JSON.readTree(got.get(line));
            String where = name + " line " + (line + 1);
            assertEquals(List.of("user_id", "model_version", "interests", "sequence_length"),
                    iterable(g.fieldNames()), where + ": keys");
            assertEquals(want.get("user_id"), g.get("user_id"), where);
            assertEquals(model.version(), g.get("model_version").asText(), where);
            int known = 0;
            for (JsonNode item : in.get("items")) {
                known += model.rowOf(item.asText()) >= 0 ? 1 : 0;
            }
            assertEquals(Math.min(known, model.routing().maxSequenceLength()), g.get("sequence_length").asInt(), where);
            assertEquals(want.get("interests").size(), g.get("interests").size(), where);
            for (int j = 0; j < want.get("interests").size(); j++) {
                for (int c = 0; c < model.dim(); c++) {
                    assertEquals(want.get("interests").get(j).get(c).asDouble(),
                            g.get("interests").get(j).get(c).asDouble(), 1e-4, where + " interest " + j + " component " + c);
                }
            }
        }
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    @Test
    void malformedLinesGoToStderrWithLineNumbersAndTheExitCodeSaysSo() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"user_id\":\"a\",\"items\":[\"item-1-1\"]}\n"
                + "{oops\n{\"user_id\":\"b\",\"items\":[\"item-1-2\"]}\n{\"items\":[]}\n");
        Path out = tmp.resolve("out.jsonl");
        Result r = run("score", "--model", golden("interests-d16").resolve("model").toString(), "--input", in.toString(),
                "--output", out.toString());
        assertEquals(ScoreCommand.MALFORMED_LINES, r.exitCode());
        assertTrue(r.err().contains("mind-stream score: " + in + " line 2: not JSON"), r.err());
        assertTrue(r.err().contains(in + " line 4: \"user_id\" is missing"), r.err());
        assertTrue(r.err().contains("2 malformed lines skipped"), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        // the output gets the permissions of any new file (the umask's), not a temporary file's 0600
        Path fresh = Files.createFile(tmp.resolve("fresh"));
        assertEquals(Files.getPosixFilePermissions(fresh), Files.getPosixFilePermissions(out));
        assertTrue(lines.get(0).startsWith("{\"user_id\":\"a\""));
        assertTrue(lines.get(1).startsWith("{\"user_id\":\"b\""));
    }

    @Test
    void dashMeansStdinAndStdout() throws Exception {
        ScoreCommand cmd = new ScoreCommand();
        cmd.stdin = new ByteArrayInputStream("{\"user_id\":\"u\u00e9\",\"items\":[\"item-1-1\",\"item-1-2\"]}\n"
                .getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        cmd.stdout = stdout;
        // a root holding this prepared instance (the real root builds its commands from their classes)
        CommandLine root = MindStreamCli.configure(new CommandLine(new Root()).addSubcommand("score", cmd));
        root.setErr(new PrintWriter(new StringWriter()));
        int code = root.execute("score", "--model", golden("interests-d16").resolve("model").toString(),
                "--input", "-", "--output", "-");
        assertEquals(0, code);
        JsonNode line = JSON.readTree(stdout.toString(StandardCharsets.UTF_8));
        assertEquals("u\u00e9", line.get("user_id").asText());
        assertEquals(2, line.get("sequence_length").asInt());
    }

    @CommandLine.Command(name = "mind-stream")
    static final class Root implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void aBadModelIsOneLineAndExitCode1() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"user_id\":\"a\",\"items\":[]}\n");
        Path model = Files.createDirectory(tmp.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");
        Result r = run("score", "--model", model.toString(), "--input", in.toString(), "--output", tmp.resolve("o").toString());
        assertEquals(1, r.exitCode());
        assertEquals("mind-stream score: model bundle " + model + " is missing items.txt", r.err().strip());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test
    void aMissingInputIsOneLineAndLeavesNoOutput() throws Exception {
        Path out = tmp.resolve("o.jsonl");
        Result r = run("score", "--model", golden("interests-d16").resolve("model").toString(), "--input",
                tmp.resolve("absent.jsonl").toString(), "--output", out.toString());
        assertEquals(1, r.exitCode());
        assertEquals("mind-stream score: no such file: " + tmp.resolve("absent.jsonl"), r.err().strip());
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no output and no temporary file left behind");
        }
    }

    @Test
    void badFlagValuesNameTheFlag() {
        Result r = run("score", "--model", "m", "--input", "i", "--output", "o", "--threads", "0");
        assertEquals(2, r.exitCode());
        assertEquals("mind-stream score: --threads must be at least 1, got 0 (see 'mind-stream score --help')", r.err().strip());
        r = run("score", "--model", "m", "--input", "i", "--output", "o", "--batch-size", "many");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().strip().startsWith("mind-stream score: invalid value for option '--batch-size': 'many'"), r.err());
        assertEquals(1, r.err().strip().lines().count());
    }
}
