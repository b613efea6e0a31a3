package io.mindstream.demo;

import io.mindstream.event.OutputFormat;
import io.mindstream.job.JobOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo end to end, small: every live event gets its update, two models, dead letters, purity, cleanup. */
class DemoITCase {

    private static final Pattern SUMMARY = Pattern.compile(
            "^summary events=(\\d+) updates=(\\d+) models=(\\d+) dead_letters=(\\d+) p50_ms=([0-9.]+) "
                    + "p99_ms=([0-9.]+) purity=([0-9.]+)$", Pattern.MULTILINE);

    @Test
    @Timeout(300)
    void aShortSyntheticRunDeliversAnUpdateForEveryLiveEventUnderTwoModels() throws Exception {
        Set<Path> before = demoTempDirs();
        Demo.Options options = new Demo.Options(Duration.ofSeconds(12), 300, 800, 8, 40, 20_000, 7, null, null,
                1.0, JobOptions.Delivery.AT_LEAST_ONCE, OutputFormat.BINARY, 1, Duration.ofSeconds(6), 0.01,
                Duration.ofSeconds(60));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.Summary s;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            s = new Demo(options, out, false).run();
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        Matcher m = SUMMARY.matcher(text);
        assertTrue(m.find(), text);
        assertEquals(s.line(), m.group(0), "the last line is the summary");
        assertTrue(s.events() > 2000, "live events sent: " + s.events());
        assertEquals(s.events(), s.updates(), "every live event has its update");
        assertEquals(2, s.models(), "the first model and the mid-run retrain were both installed");
        assertTrue(s.deadLetters() >= s.events() / 100 - 1, "malformed records reached the dead-letter topic");
        assertTrue(s.p99Millis() >= s.p50Millis() && s.p50Millis() > 0);
        assertTrue(s.purity() > 0.5, "interests recover the planted clusters: purity " + s.purity());
        assertTrue(text.contains("sample user "), text);
        assertTrue(text.contains("-> cluster c"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("[") && l.contains("events/s")), "progress lines");
        assertEquals(before, demoTempDirs(), "temporary directories removed");
    }

    private static Set<Path> demoTempDirs() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> s = Files.list(tmp)) {
            return new HashSet<>(s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("mind-stream-demo-") || n.startsWith("mind-stream-kafka-");
            }).toList());
        }
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
