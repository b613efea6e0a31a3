package io.mindstream.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads click history in one of the {@link InputFormat}s into {@link Interactions}. Each user's behaviours are
 * ordered by event time, ties kept in file order (MIND.md). A malformed line is counted, quoted in the report
 * (the first few) and skipped; it never stops the load.
 */
public final class ClickLoader {

    private static final int MAX_EXAMPLES = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputFormat format;
    private final Set<String> behaviours;

    private long lines;
    private long filtered;
    private long malformed;
    private final List<String> examples = new ArrayList<>();
    private LoadReport report;

    /**
     * @param behaviours for {@link InputFormat#TAOBAO}: the behaviour types that count (e.g. pv); ignored
     *                   otherwise
     */
    public ClickLoader(InputFormat format, Set<String> behaviours) {
        this.format = format;
        this.behaviours = Set.copyOf(behaviours);
        if (format == InputFormat.TAOBAO && this.behaviours.isEmpty()) {
            throw new IllegalArgumentException("--behaviors must name at least one behaviour type (pv, buy, cart, fav)");
        }
    }

    public ClickLoader(InputFormat format) {
        this(format, Set.of("pv"));
    }

    public Interactions load(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return load(r);
        }
    }

    /** The report of the last load. */
    public LoadReport report() {
        return report;
    }

    public Interactions load(Reader in) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        return load(r::readLine);
    }

    /** A source of lines; null at the end. */
    @FunctionalInterface
    public interface Lines {
        String next() throws IOException;
    }

    /** Loads from any line source, e.g. the values of a Kafka topic. */
    public Interactions load(Lines r) throws IOException {
        lines = 0;
        filtered = 0;
        malformed = 0;
        examples.clear();
        Interactions result = format == InputFormat.S3REC ? loadSequences(r) : loadEvents(r);
        report = new LoadReport(lines, result.eventCount(), filtered, malformed, examples);
        return result;
    }

    private Interactions loadSequences(Lines r) throws IOException {
        Interactions.Builder b = new Interactions.Builder();
        Set<String> seen = new java.util.HashSet<>();
        String line;
        while ((line = r.next()) != null) {
            lines++;
            String t = line.strip();
            if (t.isEmpty()) {
                continue;
            }
            String[] parts = t.split("\\s+");
            if (parts.length < 2) {
                bad("user " + parts[0] + " has no items", line);
                continue;
            }
            if (!seen.add(parts[0])) {
                bad("user " + parts[0] + " appears on more than one line", line);
                continue;
            }
            for (int i = 1; i < parts.length; i++) {
                b.add(parts[0], parts[i]);
            }
        }
        return b.build();
    }

    /** One behaviour before ordering: which user, which item, when, and where in the file. */
    private record Event(String user, String item, long ts, long order) {
    }

    private Interactions loadEvents(Lines r) throws IOException {
        List<Event> events = readEvents(r);
        // Group by user in first-seen order, then order each user's events by time, ties in file order.
        Map<String, List<Event>> byUser = new java.util.LinkedHashMap<>();
        for (Event e : events) {
            byUser.computeIfAbsent(e.user, k -> new ArrayList<>()).add(e);
        }
        Interactions.Builder b = new Interactions.Builder();
        for (List<Event> evs : byUser.values()) {
            Event[] a = evs.toArray(new Event[0]);
            Arrays.sort(a, (x, y) -> x.ts != y.ts ? Long.compare(x.ts, y.ts) : Long.compare(x.order, y.order));
            for (Event e : a) {
                b.add(e.user, e.item);
            }
        }
        return b.build();
    }

    private List<Event> readEvents(Lines r) throws IOException {
        List<Event> events = new ArrayList<>();
        String line;
        while ((line = r.next()) != null) {
            lines++;
            if (line.isBlank()) {
                continue;
            }
            Event e = switch (format) {
                case JSONL -> parseJson(line);
                case MOVIELENS -> parseMovieLens(line);
                case TAOBAO -> parseTaobao(line);
                case S3REC -> throw new IllegalStateException();
            };
            if (e != null) {
                events.add(e);
            }
        }
        return events;
    }

    /** One behaviour with its event time in epoch milliseconds, for replays. */
    public record TimedClick(String userId, String itemId, long tsMillis) {
    }

    /** Time given to the behaviours of S3Rec files, which carry none: one a minute from this instant. */
    static final long SEQUENCE_EPOCH_MILLIS = Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();

    /**
     * Every behaviour of {@code file} in event-time order (ties in file order), for replaying history as a
     * stream. MovieLens and Taobao times are seconds and are scaled to milliseconds; S3Rec sequences carry no
     * time, so the i-th behaviour of every user gets {@link #SEQUENCE_EPOCH_MILLIS} + i minutes.
     */
    public List<TimedClick> loadTimeline(Path file) throws IOException {
        lines = 0;
        filtered = 0;
        malformed = 0;
        examples.clear();
        List<TimedClick> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            if (format == InputFormat.S3REC) {
                Interactions seqs = loadSequences(r::readLine);
                for (int u = 0; u < seqs.userCount(); u++) {
                    int[] seq = seqs.sequence(u);
                    for (int i = 0; i < seq.length; i++) {
                        out.add(new TimedClick(seqs.userId(u), seqs.itemId(seq[i]), SEQUENCE_EPOCH_MILLIS + i * 60_000L));
                    }
                }
                out.sort((x, y) -> Long.compare(x.tsMillis(), y.tsMillis()));
            } else {
                List<Event> events = readEvents(r::readLine);
                events.sort((x, y) -> x.ts != y.ts ? Long.compare(x.ts, y.ts) : Long.compare(x.order, y.order));
                long scale = format == InputFormat.JSONL ? 1 : 1000;
                for (Event e : events) {
                    out.add(new TimedClick(e.user, e.item, e.ts * scale));
                }
            }
        }
        report = new LoadReport(lines, out.size(), filtered, malformed, examples);
        return out;
    }

    private Event parseJson(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            return bad("not valid JSON", line);
        }
        if (n == null || !n.isObject()) {
            return bad("not a JSON object", line);
        }
        String user = idField(n, "user_id");
        String item = idField(n, "item_id");
        if (user == null) {
            return bad("user_id is missing or not a string/number", line);
        }
        if (item == null) {
            return bad("item_id is missing or not a string/number", line);
        }
        JsonNode ts = n.get("ts");
        long t;
        if (ts == null || ts.isNull()) {
            return bad("ts is missing", line);
        } else if (ts.isIntegralNumber()) {
            t = ts.asLong();
        } else if (ts.isTextual()) {
            try {
                t = Instant.parse(ts.asText()).toEpochMilli();
            } catch (DateTimeParseException e) {
                return bad("ts is not epoch milliseconds or an ISO-8601 instant", line);
            }
        } else {
            return bad("ts is not epoch milliseconds or an ISO-8601 instant", line);
        }
        return new Event(user, item, t, lines);
    }

    private static String idField(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !(v.isTextual() || v.isIntegralNumber())) {
            return null;
        }
        String s = v.asText();
        return s.isEmpty() ? null : s;
    }

    private Event parseMovieLens(String line) {
        String[] f = line.split(",", -1);
        if (lines == 1 && f.length >= 1 && f[0].strip().equalsIgnoreCase("userId")) {
            filtered++;
            return null;
        }
        if (f.length != 4) {
            return bad("expected 4 comma-separated fields (userId,movieId,rating,timestamp), got " + f.length, line);
        }
        String user = f[0].strip();
        String item = f[1].strip();
        if (user.isEmpty() || item.isEmpty()) {
            return bad("empty userId or movieId", line);
        }
        try {
            Double.parseDouble(f[2].strip());
            return new Event(user, item, Long.parseLong(f[3].strip()), lines);
        } catch (NumberFormatException e) {
            return bad("rating or timestamp is not a number", line);
        }
    }

    private Event parseTaobao(String line) {
        String[] f = line.split(",", -1);
        if (f.length != 5) {
            return bad("expected 5 comma-separated fields (user,item,category,behavior,ts), got " + f.length, line);
        }
        String user = f[0].strip();
        String item = f[1].strip();
        String behaviour = f[3].strip().toLowerCase(Locale.ROOT);
        if (user.isEmpty() || item.isEmpty() || behaviour.isEmpty()) {
            return bad("empty user, item or behavior", line);
        }
        long ts;
        try {
            ts = Long.parseLong(f[4].strip());
        } catch (NumberFormatException e) {
            return bad("timestamp is not an integer", line);
        }
        if (!behaviours.contains(behaviour)) {
            filtered++;
            return null;
        }
        return new Event(user, item, ts, lines);
    }

    private Event bad(String why, String line) {
        malformed++;
        if (examples.size() < MAX_EXAMPLES) {
            String shown = line.length() > 120 ? line.substring(0, 120) + "..." : line;
            examples.add("line " + lines + ": " + why + ": " + shown);
        }
        return null;
    }

    /** Parses a format name as given on the command line (case-insensitive). */
    public static InputFormat parseFormat(String name) {
        Map<String, InputFormat> names = new HashMap<>();
        for (InputFormat f : InputFormat.values()) {
            names.put(f.name().toLowerCase(Locale.ROOT), f);
        }
        InputFormat f = names.get(name.toLowerCase(Locale.ROOT));
        if (f == null) {
            throw new IllegalArgumentException("--format must be one of jsonl, s3rec, movielens, taobao; got " + name);
        }
        return f;
    }
}
