package io.mindstream.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mindstream.routing.RoutingKernel;
import io.mindstream.routing.RoutingKernels;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The golden routing cases of an independent float64 implementation (src/test/resources/golden/routing):
 * every case, with its explicit initial logits, on both kernels, within 1e-4 on every component.
 */
class GoldenRoutingTest {

    private static final double TOLERANCE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseOnEveryKernel() throws IOException, URISyntaxException {
        Path root = Path.of(GoldenRoutingTest.class.getResource("/golden/routing").toURI());
        List<Path> cases;
        try (Stream<Path> s = Files.list(root)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertEquals(4, cases.size(), "golden cases present");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path c : cases) {
            for (RoutingKernel kernel : List.of(RoutingKernels.scalar(), RoutingKernels.vector())) {
                tests.add(DynamicTest.dynamicTest(c.getFileName() + " " + kernel.name(), () -> check(c, kernel)));
            }
        }
        return tests.stream();
    }

    private static void check(Path dir, RoutingKernel kernel) throws IOException {
        MindModel model = ModelBundle.read(dir.resolve("model"));
        List<String> inputs = Files.readAllLines(dir.resolve("input.jsonl"));
        List<String> expected = Files.readAllLines(dir.resolve("expected.jsonl"));
        assertEquals(inputs.size(), expected.size());
        InterestEncoder encoder = new InterestEncoder(kernel);
        for (int line = 0; line < inputs.size(); line++) {
            JsonNode in = JSON.readTree(inputs.get(line));
            JsonNode want = JSON.readTree(expected.get(line));
            String user = in.get("user_id").asText();
            assertEquals(user, want.get("user_id").asText());
            String[] items = new String[in.get("items").size()];
            for (int i = 0; i < items.length; i++) {
                items[i] = in.get("items").get(i).asText();
            }
            JsonNode logitsNode = in.get("init_logits");
            float[][] logits = new float[logitsNode.size()][];
            for (int j = 0; j < logits.length; j++) {
                logits[j] = new float[logitsNode.get(j).size()];
                for (int i = 0; i < logits[j].length; i++) {
                    logits[j][i] = (float) logitsNode.get(j).get(i).asDouble();
                }
            }
            Interests got = encoder.encode(model, user, items, items.length, logits);
            JsonNode wantInterests = want.get("interests");
            String where = dir.getFileName() + " line " + (line + 1) + " (" + user + ")";
            assertEquals(wantInterests.size(), got.count(), where + ": number of interests");
            for (int j = 0; j < got.count(); j++) {
                assertEquals(model.dim(), wantInterests.get(j).size(), where);
                for (int c = 0; c < model.dim(); c++) {
                    assertEquals(wantInterests.get(j).get(c).asDouble(), got.get(j, c), TOLERANCE,
                            where + ": interest " + j + " component " + c);
                }
            }
        }
    }
}
