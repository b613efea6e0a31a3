package io.mindstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml is valid for docker-compose (checked offline: no engine is needed to render a file) and
 * declares every service of the deployment. docker-compose must be installed; its absence is a failure, not
 * a skip, so CI cannot pass without the check having run (.ci/run installs Debian's package).
 */
@Timeout(120)
class DockerComposeConfigTest {

    static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));
    static final Path COMPOSE_FILE = BASEDIR.resolve("docker-compose.yml");

    record Result(int exitCode, String stdout, String stderr) {}

    @Test
    void composeFileValidates() throws Exception {
        Result r = compose(COMPOSE_FILE, "config", "-q");
        assertEquals(0, r.exitCode(), "docker-compose config -q failed:\n" + r.stderr());
    }

    @Test
    void composeFileDeclaresEveryServiceOfTheDeployment() throws Exception {
        Result r = compose(COMPOSE_FILE, "config", "--services");
        assertEquals(0, r.exitCode(), r.stderr());
        Set<String> services = new TreeSet<>(Arrays.asList(r.stdout().trim().split("\\s+")));
        assertEquals(new TreeSet<>(List.of(
                "kafka", "topics", "jobmanager", "taskmanager", "submit", "trainer", "publisher", "generator", "redis")), services);
    }

    @Test
    void composeFileCarriesTheTopicSettingsAndTheJobOptions() throws Exception {
        // The source text, not `config` output: docker-compose re-wraps long command lines when rendering.
        String text = Files.readString(COMPOSE_FILE);
        for (String expected : List.of(
                "apache/kafka:4.2.2", "flink:2.3.0-java17", "redis:7",
                "KAFKA_PROCESS_ROLES: broker,controller",
                "--topic interests", "cleanup.policy=compact",
                "--topic weights --partitions 1", "retention.ms=-1",
                "--topic clicks", "--topic dead-letters",
                "./flink-conf:/opt/mind-stream/flink-conf:ro",
                "/opt/flink/usrlib/mind-stream-job.jar",
                "--bootstrap-servers kafka:9092", "--delivery exactly-once",
                "--from-kafka", "--every", "PT1H", "publish --model /models/current", "generate", "--rate")) {
            assertTrue(text.contains(expected), "docker-compose.yml lacks \"" + expected + "\"");
        }
    }

    /** The check above must be able to fail: a service without an image or build is rejected. */
    @Test
    void validationRejectsABrokenFile(@TempDir Path dir) throws Exception {
        String broken = Files.readString(COMPOSE_FILE).replace("image: redis:7", "imag: redis:7");
        Path copy = dir.resolve("docker-compose.yml");
        Files.writeString(copy, broken);
        Result r = compose(copy, "config", "-q");
        assertNotEquals(0, r.exitCode(), "a file with an unknown service key validated");
    }

    static Result compose(Path file, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("docker-compose", "-f", file.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(file.getParent().toFile());
        Path out = Files.createTempFile("compose-out", ".txt");
        Path err = Files.createTempFile("compose-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        try {
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return fail("docker-compose is not installed (apt-get install -y --no-install-recommends docker-compose): "
                        + e.getMessage());
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return fail("docker-compose " + String.join(" ", args) + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
