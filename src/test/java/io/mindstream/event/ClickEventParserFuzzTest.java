package io.mindstream.event;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile input for the event parser: whatever bytes arrive on the clicks topic, the parser either returns a
 * valid event or throws {@link InvalidEventException} (which becomes a dead letter), and it never spends
 * unbounded time on one record. Any other throwable would fail the Flink task and, replayed from Kafka after
 * the restart, fail it again: a restart loop on one poisoned record.
 *
 * <p>Seeded: a failure names the seed and the iteration so it can be replayed.
 */
class ClickEventParserFuzzTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final long SEED = 0x5EED_F00DL;
    /**
     * Far above any real per-record cost (microseconds); low enough to catch a super-linear blow-up on the
     * megabyte inputs below even on a busy 2-core machine.
     */
    private static final long MAX_NANOS_PER_RECORD = TimeUnit.SECONDS.toNanos(2);

    private static final String VALID = "{\"user_id\":\"u1\",\"item_id\":\"i9\",\"ts\":1699999999000,"
            + "\"event_id\":\"e-1\",\"category\":\"books\",\"behavior\":\"click\"}";

    /** The production defaults, as the job runs them. */
    private final ClickEventParser strict = new ClickEventParser(ClickEventParser.DEFAULT_MAX_ID_LENGTH,
            ClickEventParser.DEFAULT_MAX_RECORD_BYTES, ClickEventParser.DEFAULT_MIN_TS,
            ClickEventParser.DEFAULT_MAX_FUTURE_MILLIS, () -> NOW);
    /** Record bound raised to 64 MiB, so huge inputs reach Jackson instead of the size check. */
    private final ClickEventParser permissive = new ClickEventParser(ClickEventParser.DEFAULT_MAX_ID_LENGTH,
            64 * 1024 * 1024, ClickEventParser.DEFAULT_MIN_TS, ClickEventParser.DEFAULT_MAX_FUTURE_MILLIS, () -> NOW);

    private int accepted;
    private int rejected;
    private long slowestNanos;

    private void feed(String what, int iteration, byte[] input) {
        for (ClickEventParser p : new ClickEventParser[] {strict, permissive}) {
            long start = System.nanoTime();
            try {
                ClickEvent e = p.parse(input);
                assertTrue(e.userId() != null && !e.userId().isBlank() && e.itemId() != null,
                        "an accepted event is complete");
                accepted++;
            } catch (InvalidEventException e) {
                rejected++;
                assertTrue(e.reason() != null && e.getMessage() != null, "a rejection has a reason and a detail");
            } catch (Throwable t) {
                fail(what + " #" + iteration + " (seed " + SEED + ", " + input.length + " bytes) threw "
                        + t.getClass().getName() + " instead of InvalidEventException", t);
            }
            long took = System.nanoTime() - start;
            slowestNanos = Math.max(slowestNanos, took);
            if (took > MAX_NANOS_PER_RECORD) {
                fail(what + " #" + iteration + " (" + input.length + " bytes) took " + took / 1_000_000 + " ms");
            }
        }
    }

    private void run(String what, int iterations, Function<SplittableRandom, byte[]> generator) {
        SplittableRandom r = new SplittableRandom(SEED ^ what.hashCode());
        for (int i = 0; i < iterations; i++) {
            feed(what, i, generator.apply(r));
        }
    }

    @Test
    @Timeout(120)
    void randomBytesAndMutatedEventsOnlyEverYieldEventsOrInvalidEventException() {
        run("random bytes", 50_000, r -> {
            byte[] b = new byte[r.nextInt(1, 300)];
            r.nextBytes(b);
            return b;
        });
        // random bytes are almost never JSON; mutating a valid event explores the parser's deeper states
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        byte[] alphabet = "{}[]\":,0123456789-+eE.tfnul \\u\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        run("mutated event", 100_000, r -> {
            byte[] b = valid.clone();
            int edits = r.nextInt(1, 6);
            for (int e = 0; e < edits; e++) {
                int at = r.nextInt(b.length);
                switch (r.nextInt(4)) {
                    case 0 -> b[at] = alphabet[r.nextInt(alphabet.length)];
                    case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
                    case 2 -> b = java.util.Arrays.copyOf(b, Math.max(1, at));
                    default -> {
                        byte[] longer = new byte[b.length + 1];
                        System.arraycopy(b, 0, longer, 0, at);
                        longer[at] = alphabet[r.nextInt(alphabet.length)];
                        System.arraycopy(b, at, longer, at + 1, b.length - at);
                        b = longer;
                    }
                }
            }
            return b;
        });
        assertTrue(accepted > 0, "some mutations still are valid events: the oracle is not vacuous");
        assertTrue(rejected > 100_000, "most inputs are rejected");
    }

    @Test
    @Timeout(60)
    void invalidUtf8AnywhereIsRejectedAsNotJson() {
        byte[][] bad = {
            {(byte) 0xC3}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0x80},
            {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
        };
        String[] holes = {"{\"user_id\":\"u#\",\"item_id\":\"i\",\"ts\":1699999999000}",
            "{\"user_id\":\"u\",\"item_id\":\"#\",\"ts\":1699999999000}",
            "{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000,\"x\":\"#\"}",
            "{\"#\":1,\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000}"};
        int n = 0;
        for (String hole : holes) {
            for (byte[] seq : bad) {
                String[] parts = hole.split("#", 2);
                byte[] a = parts[0].getBytes(StandardCharsets.UTF_8);
                byte[] c = parts[1].getBytes(StandardCharsets.UTF_8);
                byte[] input = new byte[a.length + seq.length + c.length];
                System.arraycopy(a, 0, input, 0, a.length);
                System.arraycopy(seq, 0, input, a.length, seq.length);
                System.arraycopy(c, 0, input, a.length + seq.length, c.length);
                try {
                    strict.parse(input);
                    fail("accepted invalid UTF-8 " + java.util.HexFormat.of().formatHex(seq) + " in " + hole);
                } catch (InvalidEventException e) {
                    assertEquals(InvalidEventException.Reason.NOT_JSON, e.reason(), e.getMessage());
                }
                n++;
            }
        }
        assertEquals(holes.length * bad.length, n);
        // and random invalid sequences inside string values
        run("invalid utf-8 in strings", 20_000, r -> {
            byte[] junk = new byte[r.nextInt(1, 12)];
            for (int i = 0; i < junk.length; i++) {
                junk[i] = (byte) (0x80 | r.nextInt(0x80));
            }
            String[] parts = holes[r.nextInt(holes.length)].split("#", 2);
            return (parts[0] + new String(junk, StandardCharsets.ISO_8859_1) + parts[1])
                    .getBytes(StandardCharsets.ISO_8859_1);
        });
    }

    @Test
    @Timeout(60)
    void theUtf8CheckAgreesWithTheJdkDecoder() throws InvalidEventException {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[r.nextInt(0, 8)];
            for (int k = 0; k < b.length; k++) {
                // mostly bytes around the multi-byte boundaries, where the edge cases live
                b[k] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 0x80 + r.nextInt(0x78));
            }
            boolean jdk;
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b));
                jdk = true;
            } catch (java.nio.charset.CharacterCodingException e) {
                jdk = false;
            }
            assertEquals(jdk, ClickEventParser.firstInvalidUtf8(b) < 0, java.util.HexFormat.of().formatHex(b));
        }
        // every kind of valid character still passes, up to U+10FFFF
        String ids = "\u00fc\u20ac\uffff\ud83d\ude00\udbff\udfff";
        ClickEvent e = strict.parse(("{\"user_id\":\"" + ids + "\",\"item_id\":\"i\",\"ts\":1699999999000}")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(ids, e.userId());
    }

    @Test
    @Timeout(120)
    void hugeAndDeeplyNestedJsonIsRejectedInBoundedTime() {
        String head = "{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000,\"x\":";
        for (int depth : new int[] {100, 999, 1_001, 100_000, 2_000_000}) {
            StringBuilder sb = new StringBuilder(head.length() + 2 * depth + 1).append(head);
            sb.append("[".repeat(depth)).append("]".repeat(depth)).append('}');
            feed("nested arrays " + depth, 0, sb.toString().getBytes(StandardCharsets.US_ASCII));
            StringBuilder objects = new StringBuilder(head);
            objects.append("{\"a\":".repeat(depth)).append("1").append("}".repeat(depth)).append('}');
            feed("nested objects " + depth, 0, objects.toString().getBytes(StandardCharsets.US_ASCII));
            // unclosed: the parser must not wait for the end that never comes
            feed("unclosed nesting " + depth, 0, (head + "[".repeat(depth)).getBytes(StandardCharsets.US_ASCII));
        }
        // a 30 MB string value, a 30 MB id, 200,000 unknown fields, a 10 MB whitespace prefix
        feed("huge string", 0, (head + "\"" + "a".repeat(30_000_000) + "\"}").getBytes(StandardCharsets.US_ASCII));
        feed("huge id", 0, ("{\"user_id\":\"" + "u".repeat(30_000_000) + "\",\"item_id\":\"i\",\"ts\":1699999999000}")
                .getBytes(StandardCharsets.US_ASCII));
        StringBuilder fields = new StringBuilder("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000");
        for (int i = 0; i < 200_000; i++) {
            fields.append(",\"f").append(i).append("\":").append(i);
        }
        feed("many fields", 0, fields.append('}').toString().getBytes(StandardCharsets.US_ASCII));
        feed("whitespace", 0, (" ".repeat(10_000_000) + VALID).getBytes(StandardCharsets.US_ASCII));
        assertTrue(slowestNanos < MAX_NANOS_PER_RECORD);
    }

    @Test
    @Timeout(60)
    void absurdNumbersAreRejectedWithAReason() throws InvalidEventException {
        String[] ts = {"99999999999999999999999999", "-99999999999999999999999999", "1e400", "-1e-400", "1.5",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "NaN", "Infinity", "-Infinity",
            "0x10", "01699999999000", "1" + "0".repeat(5_000), "1" + "0".repeat(2_000_000), "-0", "1699999999000.0"};
        for (String t : ts) {
            byte[] input = ("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":" + t + "}").getBytes(StandardCharsets.US_ASCII);
            feed("ts " + (t.length() > 30 ? t.length() + " digits" : t), 0, input);
            try {
                permissive.parse(input);
                fail("accepted ts " + t);
            } catch (InvalidEventException e) {
                assertTrue(e.getMessage().length() < 1_000, "the detail stays short: " + e.getMessage().length());
            }
        }
        // absurd numbers in unknown fields are skipped or rejected, never a crash
        for (String n : new String[] {"1e999999999", "1" + "0".repeat(2_000_000), "-" + "9".repeat(100_000) + ".5e-7"}) {
            feed("unknown number", 0, ("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000,\"n\":" + n + "}")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        // the parser survives all of the above: a valid event still parses
        assertEquals("u1", permissive.parse(VALID.getBytes(StandardCharsets.UTF_8)).userId());
    }
}
