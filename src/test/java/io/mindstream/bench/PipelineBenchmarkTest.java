package io.mindstream.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of the pipeline benchmark: its output line, its options, its generated ids. */
class PipelineBenchmarkTest {

    private static PipelineBenchmark.Options options(List<String> cases, int users, String managed) {
        return new PipelineBenchmark.Options(users, 10_000, 100, 50, 64, 4, 2, Duration.ofSeconds(15),
                Duration.ofSeconds(45), Duration.ofSeconds(30), 2000, cases, 7, managed, "256m");
    }

    @Test
    void printsTheDocumentedLine() {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("users", "100000");
        extra.put("load1", "3.50");
        String line = new PipelineBenchmark.Result("operator-mind", 12345.6, 1.234, 56.789, extra).line();
        assertEquals("bench case=operator-mind events_per_s=12346 p50_ms=1.23 p99_ms=56.79 users=100000 load1=3.50", line);
        assertTrue(line.matches("bench case=\\S+ events_per_s=\\d+ p50_ms=[\\d.]+ p99_ms=[\\d.]+( \\S+=\\S+)*"));
    }

    @Test
    void validatesOptionsNamingTheFlag() {
        assertEquals(PipelineBenchmark.CASES, options(PipelineBenchmark.CASES, 100, "1g").cases());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> options(List.of("operator-mind", "nexmark"), 100, "1g"));
        assertTrue(unknown.getMessage().contains("--cases"), unknown.getMessage());
        IllegalArgumentException users = assertThrows(IllegalArgumentException.class,
                () -> options(PipelineBenchmark.CASES, 0, "1g"));
        assertTrue(users.getMessage().contains("--users"), users.getMessage());
        IllegalArgumentException memory = assertThrows(IllegalArgumentException.class,
                () -> options(PipelineBenchmark.CASES, 10, "lots"));
        assertTrue(memory.getMessage().contains("--managed-memory"), memory.getMessage());
    }

    @Test
    void eventIdsCarryTheirCreationTime() {
        long created = System.nanoTime();
        String id = Long.toHexString(created) + "-" + Long.toHexString(12345 & 0xFFFFFF);
        assertEquals(created, PipelineBenchmark.createdNanos(id));
    }

    @Test
    void generatedUsersAreSpreadEvenly() {
        int users = 1000;
        int[] hits = new int[users];
        for (long i = 0; i < 200_000; i++) {
            hits[(int) Math.floorMod(PipelineBenchmark.mix(i), (long) users)]++;
        }
        for (int h : hits) {
            assertTrue(h > 120 && h < 290, "each user gets about 200 of 200,000 events, got " + h);
        }
    }
}
