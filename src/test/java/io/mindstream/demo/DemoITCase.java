package io.mindstream.demo;

import io.mindstream.event.OutputFormat;
import io.mindstream.job.JobOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo end to end, small: every live event gets its update, two models, dead letters, purity, cleanup. */
class DemoITCase {

    private static final Pattern SUMMARY = Pattern.compile(
            "^summary events=(\\d+) updates=(\\d+) models=(\\d+) dead_letters=(\\d+) p50_ms=([0-9.]+) "
                    + "p99_ms=([0-9.]+) purity=([0-9.]+)$", Pattern.MULTILINE);

    @Test
    @Timeout(300)
    void aShortSyntheticRunDeliversAnUpdateForEveryLiveEventUnderTwoModels() throws Exception {
        Demo.Options options = new Demo.Options(Duration.ofSeconds(12), 300, 800, 8, 40, 20_000, 7, null, null,
                1.0, JobOptions.Delivery.AT_LEAST_ONCE, OutputFormat.BINARY, 1, Duration.ofSeconds(6), 0.01,
                Duration.ofSeconds(60));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.Summary s;
        Demo demo;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            demo = new Demo(options, out, false);
            s = demo.run();
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
        assertEquals(2, demo.temporaryDirectories().size(), "the work and broker directories");
        for (Path p : demo.temporaryDirectories()) {
            assertFalse(Files.exists(p), p + " removed");
        }
    }

    @Test
    @Timeout(300)
    void replayingAClickFileSendsItsTailLiveInTimestampOrder(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // a JSONL history in the stream's own schema, as a user would replay it
        Path file = dir.resolve("clicks.jsonl");
        SyntheticWorld world = new SyntheticWorld(new SyntheticWorld.Shape(6, 30, 400, 1.1), 3,
                System.currentTimeMillis() - Duration.ofDays(3).toMillis());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12_000; i++) {
            SyntheticWorld.Click c = world.next();
            sb.append(new String(io.mindstream.event.ClickJson.write(c.userId(), c.itemId(), c.ts(), null, null),
                    StandardCharsets.UTF_8)).append('\n');
        }
        sb.append("not a click\n");
        Files.writeString(file, sb);
        Demo.Options options = new Demo.Options(Duration.ofSeconds(8), 400, 1, 1, 2, 1000, 5, file,
                io.mindstream.train.InputFormat.JSONL, 1.0, JobOptions.Delivery.EXACTLY_ONCE, OutputFormat.JSON, 1,
                Duration.ofSeconds(5), 0.0, Duration.ofSeconds(60));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.Summary s;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            s = new Demo(options, out, false).run();
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("replaying " + file), text);
        assertTrue(s.events() > 1000, "live events replayed: " + s.events());
        assertEquals(s.events(), s.updates(), "every replayed event has its update (exactly-once, read_committed)");
        assertEquals(2, s.models());
        assertEquals(0, s.deadLetters());
        assertEquals(null, s.purity(), "no planted clusters in replayed data");
        assertTrue(text.strip().endsWith(s.line()), text);
    }
}
