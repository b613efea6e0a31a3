package io.mindstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/mind-stream as a user runs it after {@code mvn package}: from another working directory, through a
 * symlink, with the packaged jar and target/lib. Runs after the package phase (failsafe).
 */
@Timeout(120)
class LauncherITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path project;
    private static Path launcher;

    @TempDir
    Path cwd;

    @BeforeAll
    static void locate() {
        project = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        launcher = project.resolve("bin/mind-stream");
        assertTrue(Files.isExecutable(launcher), launcher + " is executable");
    }

    record Result(int exitCode, String out, String err) {
    }

    private Result run(Path script, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(cwd, "stdout", ".txt");
        Path err = Files.createTempFile(cwd, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish: " + cmd);
        }
        // the stderr filter may flush a moment after the JVM exits
        Thread.sleep(200);
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private Result run(String... args) throws IOException, InterruptedException {
        return run(launcher, Map.of(), args);
    }

    @Test
    void helpWorksFromAnotherDirectory() throws Exception {
        Result r = run("--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Usage: mind-stream"), r.out());
        assertTrue(r.out().contains("score"), r.out());
        assertEquals("", r.err(), "nothing on stderr, not even the JVM's incubator warning");
    }

    @Test
    void scoreHelp() throws Exception {
        Result r = run("score", "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("--model=DIR"), r.out());
        assertTrue(r.out().contains("--input=IN.jsonl"), r.out());
    }

    @Test
    void versionComesFromTheJarManifest() throws Exception {
        Result r = run("--version");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("(?s)mind-stream \\d+\\.\\d+\\.\\d+.*"), r.out());
    }

    @Test
    void unknownFlagIsOneLineAndNonZero() throws Exception {
        Result r = run("score", "--foo");
        assertEquals(2, r.exitCode());
        assertEquals("mind-stream score: unknown option '--foo' (see 'mind-stream score --help')\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void scoresAGoldenCaseThroughASymlinkFromAnotherDirectory() throws Exception {
        Path link = Files.createSymbolicLink(cwd.resolve("ms"), launcher);
        Path golden = project.resolve("src/test/resources/golden/routing/interests-d16");
        // HOME not writable: the launcher must still start (ND4J's cache goes elsewhere)
        Result r = run(link, Map.of("HOME", "/nonexistent", "MIND_STREAM_JAVA_OPTS", "-Xmx256m -Xss2m"),
                "score", "--model", golden.resolve("model").toString(), "--input", golden.resolve("input.jsonl").toString(),
                "--output", "out.jsonl");
        assertEquals(0, r.exitCode(), r.err());
        List<String> got = Files.readAllLines(cwd.resolve("out.jsonl"), StandardCharsets.UTF_8);
        List<String> want = Files.readAllLines(golden.resolve("expected.jsonl"), StandardCharsets.UTF_8);
        assertEquals(want.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            JsonNode g = JSON.readTree(got.get(i));
            JsonNode w = JSON.readTree(want.get(i));
            assertEquals(w.get("user_id"), g.get("user_id"));
            assertEquals("golden-interests-d16-1", g.get("model_version").asText());
            for (int j = 0; j < w.get("interests").size(); j++) {
                for (int c = 0; c < w.get("interests").get(j).size(); c++) {
                    assertEquals(w.get("interests").get(j).get(c).asDouble(), g.get("interests").get(j).get(c).asDouble(),
                            1e-4, "line " + (i + 1));
                }
            }
        }
        Files.delete(link);
    }

    @Test
    @Timeout(420)
    void theReadmeSetUpCommandRunsTheDemoToItsSummaryLine() throws Exception {
        String readme = Files.readString(project.resolve("README.md"));
        Matcher m = Pattern.compile("```\\n(mvn -B -DskipTests package && (bin/mind-stream demo))\\n```").matcher(readme);
        assertTrue(m.find(), "README has the build-and-demo set-up command");
        // the build already ran (this test runs after package); run the rest as written, from the project root
        Path log = cwd.resolve("demo.txt");
        Process p = new ProcessBuilder("bash", "-c", m.group(2)).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(p.waitFor(400, TimeUnit.SECONDS), "finished");
        } finally {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        List<String> lines = output.lines().toList();
        Matcher summary = Pattern.compile("summary events=(\\d+) updates=(\\d+) models=(\\d+) dead_letters=(\\d+) "
                + "p50_ms=[0-9.]+ p99_ms=[0-9.]+ purity=([0-9.]+)").matcher(lines.get(lines.size() - 1));
        assertTrue(summary.matches(), "the last line is the summary: " + lines.get(lines.size() - 1));
        assertTrue(Long.parseLong(summary.group(1)) > 10_000, "live events at 1,000/s");
        assertEquals(summary.group(1), summary.group(2), "every live event has its update");
        assertEquals("2", summary.group(3), "two model versions installed");
        assertTrue(Long.parseLong(summary.group(4)) > 0, "malformed records reached the dead-letter topic");
        assertTrue(Double.parseDouble(summary.group(5)) > 0.5, "interests recover the planted clusters");
        assertTrue(output.contains("sample user "), output);
    }

    @Test
    void anUnbuiltCheckoutGetsAClearMessage() throws Exception {
        // a copy of the launcher in a checkout without target/
        Path bin = Files.createDirectories(cwd.resolve("checkout/bin"));
        Path copy = Files.copy(launcher, bin.resolve("mind-stream"));
        Result r = run(copy, Map.of(), "--help");
        assertEquals(1, r.exitCode());
        assertEquals("mind-stream: the project is not built: run 'mvn -B -DskipTests package' in "
                + cwd.resolve("checkout").toRealPath() + " first\n", r.err());
    }

    @Test
    void launcherCarriesThePomsJvmFlags() throws IOException {
        String pom = Files.readString(project.resolve("pom.xml"));
        Matcher m = Pattern.compile("<jvm\\.flags>(.*?)</jvm\\.flags>", Pattern.DOTALL).matcher(pom);
        assertTrue(m.find(), "pom.xml defines jvm.flags");
        String script = Files.readString(launcher);
        for (String flag : m.group(1).trim().split("\\s+")) {
            assertTrue(script.contains(flag), "bin/mind-stream lacks " + flag + " from pom.xml's jvm.flags");
        }
    }
}
