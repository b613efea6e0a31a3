package io.mindstream.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.routing.RoutingKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class BatchScorerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static MindModel model;

    @BeforeAll
    static void loadModel() throws Exception {
        model = ModelBundle.read(Path.of(BatchScorerTest.class.getResource("/golden/routing/interests-d16/model").toURI()));
    }

    private record Run(String out, List<String> errors, BatchScorer.Summary summary) {
        List<JsonNode> lines() throws IOException {
            List<JsonNode> l = new ArrayList<>();
            for (String s : out.split("\n")) {
                if (!s.isEmpty()) {
                    l.add(JSON.readTree(s));
                }
            }
            return l;
        }
    }

    private static Run run(String input, int threads, int batch) throws IOException {
        StringWriter out = new StringWriter();
        List<String> errors = new ArrayList<>();
        try (BatchScorer s = new BatchScorer(model, RoutingKernels.best(), threads, batch)) {
            BatchScorer.Summary sum = s.score(new BufferedReader(new StringReader(input)), out,
                    (line, reason) -> errors.add(line + ": " + reason));
            return new Run(out.toString(), errors, sum);
        }
    }

    private static String randomInput(int users, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int u = 0; u < users; u++) {
            sb.append("{\"user_id\":\"u").append(u).append("\",\"items\":[");
            int n = r.nextInt(30);
            for (int i = 0; i < n; i++) {
                sb.append(i > 0 ? "," : "").append("\"item-1-").append(r.nextInt(70)).append('"');
            }
            sb.append("]}\n");
        }
        return sb.toString();
    }

    @Test
    void orderAndValuesDoNotDependOnThreadsOrBatchSize() throws IOException {
        String input = randomInput(3000, 7);
        Run serial = run(input, 1, 4096);
        Run parallel = run(input, 4, 37);
        assertEquals(serial.out(), parallel.out(), "same bytes whatever the parallelism");
        List<JsonNode> lines = parallel.lines();
        assertEquals(3000, lines.size());
        for (int u = 0; u < lines.size(); u++) {
            assertEquals("u" + u, lines.get(u).get("user_id").asText(), "input order kept");
        }
        assertEquals(new BatchScorer.Summary(3000, 3000, 0, serial.summary().unknownItems()), parallel.summary());
        assertTrue(serial.summary().unknownItems() > 0, "ids beyond the vocabulary were drawn");
    }

    @Test
    void writtenFloatsReadBackAsTheSameFloat32() throws IOException {
        String input = randomInput(200, 11);
        List<JsonNode> lines = run(input, 2, 16).lines();
        InterestEncoder encoder = new InterestEncoder(RoutingKernels.best());
        List<JsonNode> inputs = new ArrayList<>();
        for (String s : input.split("\n")) {
            inputs.add(JSON.readTree(s));
        }
        for (int u = 0; u < lines.size(); u++) {
            List<String> items = new ArrayList<>();
            inputs.get(u).get("items").forEach(i -> items.add(i.asText()));
            Interests want = encoder.encode(model, "u" + u, items);
            JsonNode got = lines.get(u);
            assertEquals(model.version(), got.get("model_version").asText());
            assertEquals(want.sequenceLength(), got.get("sequence_length").asInt());
            assertEquals(want.count(), got.get("interests").size());
            for (int j = 0; j < want.count(); j++) {
                for (int c = 0; c < want.dim(); c++) {
                    // parse the text, not the double Jackson made of it
                    float back = Float.parseFloat(got.get("interests").get(j).get(c).asText());
                    assertEquals(Float.floatToIntBits(want.get(j, c)), Float.floatToIntBits(back),
                            "user " + u + " interest " + j + " component " + c);
                }
            }
        }
    }

    @Test
    void unknownItemsAreDroppedAndAUserWithoutKnownItemsGetsNoInterests() throws IOException {
        Run r = run("{\"user_id\":\"nobody\",\"items\":[\"no-such-item\",\"nor-this\"]}\n"
                + "{\"user_id\":\"empty\",\"items\":[]}\n"
                + "{\"user_id\":\"some\",\"items\":[\"no-such-item\",\"item-1-1\",\"item-1-2\"]}\n", 1, 10);
        List<JsonNode> l = r.lines();
        assertEquals(JSON.readTree("{\"user_id\":\"nobody\",\"model_version\":\"golden-interests-d16-1\","
                + "\"interests\":[],\"sequence_length\":0}"), l.get(0));
        assertEquals(0, l.get(1).get("sequence_length").asInt());
        assertEquals(0, l.get(1).get("interests").size());
        assertEquals(2, l.get(2).get("sequence_length").asInt());
        assertEquals(1, l.get(2).get("interests").size());
        assertEquals(3, r.summary().unknownItems());
        assertTrue(r.errors().isEmpty());
    }

    @Test
    void malformedLinesAreReportedWithTheirNumberAndSkipped() throws IOException {
        String input = String.join("\n",
                "{\"user_id\":\"ok1\",\"items\":[\"item-1-1\"]}",
                "not json",
                "{\"items\":[\"item-1-1\"]}",
                "{\"user_id\":42,\"items\":[\"item-1-1\"]}",
                "",
                "{\"user_id\":\"x\"}",
                "{\"user_id\":\"x\",\"items\":\"item-1-1\"}",
                "{\"user_id\":\"x\",\"items\":[\"item-1-1\",7]}",
                "{\"user_id\":\"x\",\"items\":[\"item-1-1\",\"item-1-2\"],\"init_logits\":[[0.1]]}",
                "{\"user_id\":\"x\",\"items\":[\"item-1-1\"],\"init_logits\":[]}",
                "{\"user_id\":\"x\",\"items\":[\"item-1-1\"],\"init_logits\":[[\"a\"]]}",
                "{\"user_id\":\"x\",\"items\":[\"item-1-1\"],\"init_logits\":[[1e999]]}",
                "{\"user_id\":\"x\",\"items\":[\"item-1-1\"]} trailing",
                "[1,2]",
                "{\"user_id\":\"ok2\",\"items\":[\"item-1-1\",\"item-1-2\"],\"init_logits\":[[0.5,-0.5],[9,9]]}") + "\n";
        Run r = run(input, 3, 4);
        List<JsonNode> l = r.lines();
        assertEquals(List.of("ok1", "ok2"), l.stream().map(n -> n.get("user_id").asText()).toList());
        List<String> e = r.errors();
        assertEquals(12, e.size(), e.toString());
        String[] expected = {
            "2: not JSON", "3: \"user_id\" is missing", "4: \"user_id\" must be a string, got a number",
            "6: \"items\" is missing", "7: \"items\" must be an array of strings, got a string",
            "8: \"items\"[1] must be a string, got a number", "9: init_logits row 0 has 1 values",
            "10: init_logits has 0 rows, at least 1 (K') are needed", "11: \"init_logits\"[0][0] must be a finite",
            "12: \"init_logits\"[0][0] must be a finite", "13: not JSON", "14: not a JSON object"};
        for (int i = 0; i < expected.length; i++) {
            assertTrue(e.get(i).startsWith(expected[i]), "error " + i + ": " + e.get(i) + " should start with " + expected[i]);
        }
        assertEquals(new BatchScorer.Summary(14, 2, 12, 0), r.summary());
    }

    @Test
    void explicitInitialLogitsReplaceTheDeterministicOnes() throws IOException {
        // n = 4 gives K' = 2 interests, so the initial logits matter (with K' = 1 the interest softmax is 1)
        String user = "{\"user_id\":\"u\",\"items\":[\"item-1-1\",\"item-1-2\",\"item-1-3\",\"item-1-4\"]";
        Run a = run(user + ",\"init_logits\":[[3,-3,3,-3],[-3,3,-3,3]]}\n", 1, 1);
        Run b = run(user + ",\"init_logits\":[[-3,3,3,-3],[3,-3,-3,3],[7,7,7,7]]}\n", 1, 1);
        Run c = run(user + "}\n", 1, 1);
        Run c2 = run(user + "}\n", 2, 1);
        assertEquals(2, a.lines().get(0).get("interests").size());
        assertTrue(!a.out().equals(b.out()), "different explicit logits, different interests");
        assertTrue(!a.out().equals(c.out()) && !b.out().equals(c.out()), "explicit logits replace the derived ones");
        assertEquals(c.out(), c2.out(), "deterministic without explicit logits");
    }

    @Test
    void streamsAtMostOneBatchAheadOfTheOutput() throws IOException {
        // 200,000 lines generated on demand: the output may never lag the input by more than one batch
        // (plus what the reader's small buffer holds), which is what keeps memory flat for any input size.
        int total = 200_000;
        int batch = 500;
        long[] produced = {0};
        long[] written = {0};
        long[] maxLag = {0};
        java.io.Reader generator = new java.io.Reader() {
            private String pending = "";
            private int pos;

            @Override
            public int read(char[] buf, int off, int len) {
                if (pos == pending.length()) {
                    if (produced[0] == total) {
                        return -1;
                    }
                    pending = "{\"user_id\":\"u" + produced[0] + "\",\"items\":[\"item-1-" + (produced[0] % 60) + "\"]}\n";
                    pos = 0;
                    produced[0]++;
                    maxLag[0] = Math.max(maxLag[0], produced[0] - written[0]);
                }
                int n = Math.min(len, pending.length() - pos);
                pending.getChars(pos, pos + n, buf, off);
                pos += n;
                return n;
            }

            @Override
            public void close() {
            }
        };
        java.io.Writer counter = new java.io.Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    written[0] += cbuf[i] == '\n' ? 1 : 0;
                }
            }

            @Override
            public void write(int c) {
                written[0] += c == '\n' ? 1 : 0;
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        try (BatchScorer s = new BatchScorer(model, RoutingKernels.best(), 2, batch)) {
            BatchScorer.Summary sum = s.score(new BufferedReader(generator, 1024), counter, (l, r) -> {
                throw new AssertionError("line " + l + ": " + r);
            });
            assertEquals(total, sum.scored());
        }
        assertEquals(total, written[0]);
        assertTrue(maxLag[0] <= batch + 64, "input ran " + maxLag[0] + " lines ahead of the output");
    }

    @Test
    void userIdsAreEscaped() throws IOException {
        Run r = run("{\"user_id\":\"a\\\"b\\\\c\\u00e9\\n\",\"items\":[\"item-1-1\"]}\n", 1, 1);
        assertEquals("a\"b\\c\u00e9\n", r.lines().get(0).get("user_id").asText());
    }
}
