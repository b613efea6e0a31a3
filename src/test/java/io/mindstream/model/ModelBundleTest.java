package io.mindstream.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mind-bundle/1 codec: lossless round trips, bundles written by other tools, and one deliberately corrupted
 * file per validation rule, each checked for a message that says what is wrong.
 */
@Timeout(30)
class ModelBundleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    // A small valid bundle: V = 3 items, d = 2, hand-written so each test can break exactly one thing.
    private static final float[] E = {0.5f, -0.25f, 1.5f, 2.0f, -0.0f, 3.25f};
    private static final float[] S = {1.0f, 0.5f, -0.5f, 2.0f};

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ fixtures

    private static ObjectNode config(int d) {
        ObjectNode c = JSON.createObjectNode();
        c.put("format", "mind-bundle/1");
        c.put("model_version", "test-1");
        c.put("embedding_dim", d);
        c.put("max_interests", 4);
        c.put("routing_iterations", 3);
        c.put("max_sequence_length", 20);
        c.put("dynamic_interests", true);
        c.put("routing_softmax", "interests");
        c.put("init_stddev", 1.0);
        return c;
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** A safetensors file with exactly the given header text (no padding added) and data section. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static byte[] validWeights() {
        return safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}", concat(floats(E), floats(S)));
    }

    private static byte[] weightsWithHeader(String tensorsJson) {
        return safetensors(tensorsJson, concat(floats(E), floats(S)));
    }

    private static byte[] bytes(ObjectNode n) {
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static ModelBundle.Files3 valid() {
        return new ModelBundle.Files3(bytes(config(2)), "a\nb\nc\n".getBytes(StandardCharsets.UTF_8), validWeights());
    }

    private static ModelBundle.Files3 withConfig(Consumer<ObjectNode> edit) {
        ObjectNode c = config(2);
        edit.accept(c);
        return new ModelBundle.Files3(bytes(c), valid().items(), valid().weights());
    }

    private static ModelBundle.Files3 withItems(byte[] items) {
        return new ModelBundle.Files3(valid().config(), items, valid().weights());
    }

    private static ModelBundle.Files3 withWeights(byte[] weights) {
        return new ModelBundle.Files3(valid().config(), valid().items(), weights);
    }

    /** Decoding fails with a BundleException whose message contains every fragment. */
    private static void rejected(ModelBundle.Files3 files, String... fragments) {
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.decode(files));
        assertMessage(e, fragments);
    }

    private static void assertMessage(Exception e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message \"" + e.getMessage() + "\" should contain \"" + f + "\"");
        }
    }

    private Path writeDir(ModelBundle.Files3 f) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "bundle");
        Files.write(dir.resolve("config.json"), f.config());
        Files.write(dir.resolve("items.txt"), f.items());
        Files.write(dir.resolve("model.safetensors"), f.weights());
        return dir;
    }

    private static MindModel sampleModel() {
        int v = 7;
        int d = 5;
        String[] ids = new String[v];
        float[] e = new float[v * d];
        float[] s = new float[d * d];
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < v; i++) {
            ids[i] = "item-" + i + (i == 3 ? "-\u00e9\u4e2d" : "");
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) r.nextGaussian();
        }
        // values whose bits a lossy codec would change
        e[0] = -0.0f;
        e[1] = Float.MIN_VALUE;
        e[2] = 1e-30f;
        e[3] = 0.1f;
        Map<String, String> extras = new LinkedHashMap<>();
        extras.put("trained_by", "\"an other tool\"");
        extras.put("metrics", "{\"recall@20\":0.0486,\"epochs\":[1,2,3]}");
        RoutingConfig rc = new RoutingConfig(d, 3, 4, 30, false, RoutingSoftmax.BEHAVIOURS, 0.5f);
        return new MindModel(new ModelConfig("v-2026-11-29T10:00:00Z", rc, extras), ids, e, s);
    }

    private static void assertSameModel(MindModel want, MindModel got) {
        assertEquals(want.config(), got.config());
        assertEquals(want.config().extras(), got.config().extras());
        assertArrayEquals(want.items().ids(), got.items().ids());
        assertArrayEquals(bits(want.embeddingTable()), bits(got.embeddingTable()), "item_embeddings bit-exact");
        assertArrayEquals(bits(want.bilinearMatrix()), bits(got.bilinearMatrix()), "bilinear bit-exact");
        assertArrayEquals(bits(want.mappedTable()), bits(got.mappedTable()), "mapped table bit-exact");
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    // ------------------------------------------------------------------ round trips

    @Nested
    class RoundTrip {

        @Test
        void directoryRoundTripIsBitExactAndKeepsExtras() throws IOException {
            MindModel model = sampleModel();
            Path dir = tmp.resolve("out");
            ModelBundle.write(model, dir);
            assertSameModel(model, ModelBundle.read(dir));
            // writing again over an existing bundle replaces it and leaves no temporary files
            ModelBundle.write(model, dir);
            try (var files = Files.list(dir)) {
                assertEquals(java.util.Set.of("config.json", "items.txt", "model.safetensors"),
                        files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
            }
            assertTrue(JSON.readTree(dir.resolve("config.json").toFile()).get("metrics").get("epochs").isArray());
        }

        @Test
        void payloadRoundTripIsBitExactAndCarriesTheSha256OfItsBody() throws Exception {
            MindModel model = sampleModel();
            byte[] payload = ModelBundle.toPayload(model);
            assertSameModel(model, ModelBundle.fromPayload(payload));
            byte[] body = Arrays.copyOfRange(payload, ModelBundle.PAYLOAD_HEADER, payload.length);
            assertEquals(java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)),
                    ModelBundle.payloadSha256(payload));
            assertArrayEquals(payload, ModelBundle.toPayload(ModelBundle.fromPayload(payload)), "encoding is stable");
        }

        @Test
        void hardCraftedValidBundleLoadsWithItsValues() {
            MindModel m = ModelBundle.decode(valid());
            assertEquals(3, m.itemCount());
            assertEquals(1, m.rowOf("b"));
            assertArrayEquals(bits(E), bits(m.embeddingTable()));
            assertArrayEquals(bits(S), bits(m.bilinearMatrix()));
        }
    }

    // ------------------------------------------------------------------ bundles from other tools

    @Nested
    class ForeignBundles {

        @Test
        void anotherValidLayoutLoads() throws IOException {
            // bilinear first, a __metadata__ entry, an extra tensor in another dtype, header not padded to 8,
            // extra config keys, CRLF line ends and no final newline in items.txt, integral floats in config
            String header = "{\"__metadata__\":{\"format\":\"pt\",\"source\":\"torch2\"},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                    + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[16,24]},"
                    + "\"item_embeddings\":{\"shape\":[3,2],\"data_offsets\":[24,48],\"dtype\":\"F32\"}}";
            assertTrue((header.length() % 8) != 0, "header deliberately not padded");
            byte[] weights = safetensors(header, concat(floats(S), new byte[8], floats(E)));
            ObjectNode c = config(2);
            c.put("embedding_dim", 2.0);
            c.put("framework", "pytorch 2.4");
            c.putObject("training").put("lr", 0.001).put("epochs", 10);
            Path dir = writeDir(new ModelBundle.Files3(bytes(c),
                    "x-1\r\ny-\u00fc\r\nz 3".getBytes(StandardCharsets.UTF_8), weights));
            MindModel m = ModelBundle.read(dir);
            assertArrayEquals(new String[] {"x-1", "y-\u00fc", "z 3"}, m.items().ids());
            assertArrayEquals(bits(E), bits(m.embeddingTable()));
            assertArrayEquals(bits(S), bits(m.bilinearMatrix()));
            assertEquals("\"pytorch 2.4\"", m.config().extras().get("framework"));
            assertEquals(JSON.readTree("{\"lr\":0.001,\"epochs\":10}"), JSON.readTree(m.config().extras().get("training")));
        }

        @ParameterizedTest
        @ValueSource(strings = {"behaviours-d8", "fixedk-d64", "fixedk-interests-d32", "interests-d16"})
        void goldenBundlesWrittenByPythonLoad(String name) throws IOException, URISyntaxException {
            Path dir = Path.of(ModelBundleTest.class.getResource("/golden/routing/" + name + "/model").toURI());
            MindModel m = ModelBundle.read(dir);
            assertEquals(JSON.readTree(dir.resolve("config.json").toFile()).get("embedding_dim").asInt(), m.dim());
            assertEquals(Files.readAllLines(dir.resolve("items.txt")).size(), m.itemCount());
            assertEquals("golden-" + name + "-1", m.version());
            assertSameModel(m, ModelBundle.fromPayload(ModelBundle.toPayload(m)));
        }
    }

    // ------------------------------------------------------------------ the directory

    @Nested
    class Directory {

        @ParameterizedTest
        @ValueSource(strings = {"config.json", "items.txt", "model.safetensors"})
        void missingFileIsNamed(String file) throws IOException {
            Path dir = writeDir(valid());
            Files.delete(dir.resolve(file));
            BundleException e = assertThrows(BundleException.class, () -> ModelBundle.read(dir));
            assertMessage(e, "missing " + file);
        }

        @Test
        void notADirectory() throws IOException {
            Path file = Files.writeString(tmp.resolve("plain-file"), "x");
            assertMessage(assertThrows(BundleException.class, () -> ModelBundle.read(file)), "is not a directory");
            assertMessage(assertThrows(BundleException.class, () -> ModelBundle.read(tmp.resolve("absent"))),
                    "is not a directory");
        }

        @Test
        void aFileThatIsADirectory() throws IOException {
            Path dir = writeDir(valid());
            Files.delete(dir.resolve("items.txt"));
            Files.createDirectory(dir.resolve("items.txt"));
            assertMessage(assertThrows(BundleException.class, () -> ModelBundle.read(dir)), "items.txt is a directory");
        }
    }

    // ------------------------------------------------------------------ model.safetensors

    @Nested
    class SafetensorsFile {

        @Test
        void tooShort() {
            rejected(withWeights(new byte[5]), "model.safetensors", "bad safetensors header", "5 bytes");
        }

        @Test
        void headerLengthBeyondTheFile() {
            byte[] w = validWeights();
            ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN).putLong(0, w.length);
            rejected(withWeights(w), "bad safetensors header", "header length " + w.length, "does not fit");
        }

        @Test
        void hugeDeclaredLengthAllocatesNothing() {
            for (long len : new long[] {1L << 62, -1L, Integer.MAX_VALUE + 10L}) {
                byte[] w = validWeights();
                ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
                rejected(withWeights(w), "bad safetensors header", "header length " + Long.toUnsignedString(len));
            }
        }

        @Test
        void zeroHeaderLength() {
            rejected(withWeights(safetensors("", new byte[0])), "bad safetensors header", "header length 0");
        }

        @Test
        void headerNotJson() {
            rejected(withWeights(safetensors("{\"item_embeddings\": [oops", new byte[0])), "bad safetensors header",
                    "not JSON");
            rejected(withWeights(safetensors("[1, 2]", new byte[0])), "bad safetensors header", "not a JSON object");
        }

        @Test
        void duplicateTensorNameInHeader() {
            rejected(withWeights(weightsWithHeader(
                    "{\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]},"
                            + "\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "bad safetensors header", "bilinear");
        }

        @ParameterizedTest
        @ValueSource(strings = {"F16", "F64", "BF16", "I32"})
        void wrongDtype(String dtype) {
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"" + dtype + "\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "tensor item_embeddings", "wrong dtype " + dtype, "expected F32");
        }

        @Test
        void missingTensor() {
            rejected(withWeights(safetensors(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}}", floats(E))),
                    "has no tensor bilinear");
        }

        @Test
        void embeddingWidthDiffersFromEmbeddingDim() {
            // the tensors agree with each other (d = 3 would need 9 bilinear floats) but not with config d = 2
            ObjectNode c = config(2);
            byte[] w = safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}", concat(floats(E), floats(S)));
            rejected(new ModelBundle.Files3(bytes(c), "a\nb\n".getBytes(StandardCharsets.UTF_8), w),
                    "item_embeddings has shape [2, 3]", "expected [V, 2]", "embedding_dim 2");
        }

        @Test
        void bilinearShapeDiffersFromEmbeddings() {
            byte[] w = safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[1,4],\"data_offsets\":[24,40]}}", concat(floats(E), floats(S)));
            rejected(withWeights(w), "bilinear has shape [1, 4]", "expected [2, 2]");
            byte[] w3 = safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[3,3],\"data_offsets\":[24,60]}}",
                    concat(floats(E), floats(new float[9])));
            rejected(withWeights(w3), "bilinear has shape [3, 3]", "expected [2, 2]");
            byte[] w1 = safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}", concat(floats(E), floats(S)));
            rejected(withWeights(w1), "item_embeddings has shape [6]");
        }

        @Test
        void dataOffsetsOutOfRange() {
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[32,48]}}")),
                    "tensor bilinear", "data_offsets [32, 48]", "outside the 40 data bytes");
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[-8,16]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "tensor item_embeddings", "outside");
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,99999999999999999999999]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "tensor item_embeddings", "data_offsets must be [begin, end]");
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "data_offsets must be [begin, end]");
        }

        @Test
        void dataOffsetsInconsistentWithShape() {
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,20]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "tensor item_embeddings", "shape [3,2] needs 24 bytes but data_offsets span 20");
        }

        @Test
        void badShapeValues() {
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,-2],\"data_offsets\":[0,24]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "tensor item_embeddings", "not a list of non-negative integers");
            rejected(withWeights(weightsWithHeader(
                    "{\"item_embeddings\":{\"dtype\":\"F32\",\"data_offsets\":[0,24]},"
                            + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}")),
                    "tensor item_embeddings", "shape is missing");
        }

        @Test
        void absurdShapesAllocateNothing() {
            ObjectNode c = config(64);
            byte[] w = safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[1000000000000,64],"
                    + "\"data_offsets\":[0,256000000000000]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[64,64],\"data_offsets\":[0,16384]}}", new byte[16384]);
            BundleException e = assertThrows(BundleException.class,
                    () -> ModelBundle.decode(new ModelBundle.Files3(bytes(c), valid().items(), w)));
            assertMessage(e, "tensor item_embeddings", "outside the 16384 data bytes");
            byte[] w2 = safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                    + "\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}", concat(floats(E), floats(S)));
            rejected(withWeights(w2), "tensor item_embeddings", "absurdly large");
        }

        @Test
        void nonFiniteWeights() {
            float[] e = E.clone();
            e[3] = Float.NaN;
            rejected(withWeights(safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}", concat(floats(e), floats(S)))),
                    "item_embeddings has a non-finite value (NaN) at row 1, column 1");
            float[] s = S.clone();
            s[2] = Float.NEGATIVE_INFINITY;
            rejected(withWeights(safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}", concat(floats(E), floats(s)))),
                    "bilinear has a non-finite value (-Infinity) at row 1, column 0");
            float[] big = E.clone();
            big[0] = Float.MAX_VALUE;
            big[1] = Float.MAX_VALUE;
            rejected(withWeights(safetensors("{\"item_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                    + "\"bilinear\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]}}", concat(floats(big), floats(S)))),
                    "item_embeddings x bilinear has a non-finite value");
        }
    }

    // ------------------------------------------------------------------ items.txt

    @Nested
    class ItemsFile {

        @Test
        void fewerOrMoreLinesThanRows() {
            rejected(withItems("a\nb\n".getBytes(StandardCharsets.UTF_8)), "items.txt has 2 lines",
                    "item_embeddings has 3 rows");
            rejected(withItems("a\nb\nc\nd\n".getBytes(StandardCharsets.UTF_8)), "items.txt has 4 lines",
                    "item_embeddings has 3 rows");
        }

        @Test
        void duplicateItemIds() {
            rejected(withItems("a\nb\nb\n".getBytes(StandardCharsets.UTF_8)), "duplicate item id \"b\"", "lines 2 and 3");
        }

        @Test
        void emptyLine() {
            rejected(withItems("a\n\nc\n".getBytes(StandardCharsets.UTF_8)), "items.txt line 2 is empty");
            rejected(withItems("a\nb\nc\n\n".getBytes(StandardCharsets.UTF_8)), "items.txt line 4 is empty");
        }

        @Test
        void invalidUtf8() {
            rejected(withItems(new byte[] {'a', '\n', (byte) 0xC3, (byte) 0x28, '\n', 'c', '\n'}),
                    "items.txt is not valid UTF-8");
        }
    }

    // ------------------------------------------------------------------ config.json

    @Nested
    class ConfigFile {

        @Test
        void unknownFormat() {
            rejected(withConfig(c -> c.put("format", "mind-bundle/2")), "unknown format \"mind-bundle/2\"",
                    "expected \"mind-bundle/1\"");
            rejected(withConfig(c -> c.remove("format")), "\"format\" is missing");
        }

        @Test
        void notJsonOrNotAnObject() {
            rejected(new ModelBundle.Files3("{\"format\": ".getBytes(StandardCharsets.UTF_8), valid().items(),
                    valid().weights()), "config.json is not valid JSON");
            rejected(new ModelBundle.Files3("[1]".getBytes(StandardCharsets.UTF_8), valid().items(),
                    valid().weights()), "config.json is not a JSON object");
        }

        @ParameterizedTest
        @ValueSource(strings = {"model_version", "embedding_dim", "max_interests", "max_sequence_length"})
        void missingRequiredKey(String key) {
            rejected(withConfig(c -> c.remove(key)), "config.json", "\"" + key + "\" is missing");
        }

        @Test
        void wrongTypes() {
            rejected(withConfig(c -> c.put("embedding_dim", "2")), "\"embedding_dim\" must be an integer");
            rejected(withConfig(c -> c.put("max_interests", 2.5)), "\"max_interests\" must be an integer");
            rejected(withConfig(c -> c.put("model_version", 7)), "\"model_version\" must be a string");
            rejected(withConfig(c -> c.put("dynamic_interests", "yes")), "\"dynamic_interests\" must be true or false");
            rejected(withConfig(c -> c.put("init_stddev", "one")), "\"init_stddev\" must be a number");
            rejected(withConfig(c -> c.put("routing_softmax", "capsules")),
                    "routing_softmax must be \"interests\" or \"behaviours\"");
            rejected(withConfig(c -> c.put("model_version", "")), "model_version is missing or empty");
        }

        @Test
        void absurdSizes() {
            rejected(withConfig(c -> c.put("embedding_dim", 1_000_000_000)), "embedding_dim must be in 1..4096",
                    "1000000000");
            rejected(withConfig(c -> c.put("embedding_dim", 10_000_000_000L)), "\"embedding_dim\" must be an integer");
            rejected(withConfig(c -> c.put("max_interests", 100_000)), "max_interests must be in");
            rejected(withConfig(c -> c.put("max_sequence_length", 0)), "max_sequence_length must be in");
            rejected(withConfig(c -> c.put("routing_iterations", 1_000_000)), "routing_iterations must be in");
            rejected(withConfig(c -> c.put("init_stddev", -1.0)), "init_stddev must be");
            rejected(withConfig(c -> c.put("init_stddev", 1e300)), "init_stddev must be");
        }

        @Test
        void optionalKeysTakeTheirDefaults() {
            MindModel m = ModelBundle.decode(withConfig(c -> {
                c.remove("routing_iterations");
                c.remove("dynamic_interests");
                c.remove("routing_softmax");
                c.remove("init_stddev");
            }));
            assertEquals(new RoutingConfig(2, 4, 3, 20, true, RoutingSoftmax.INTERESTS, 1.0f), m.routing());
        }
    }

    // ------------------------------------------------------------------ payload

    @Nested
    class Payload {

        private byte[] payload() {
            return ModelBundle.toPayload(ModelBundle.decode(valid()));
        }

        /** Recomputes the checksum so that the structural checks behind it are reached. */
        private byte[] resealed(byte[] p) throws Exception {
            byte[] sum = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(p, ModelBundle.PAYLOAD_HEADER, p.length));
            System.arraycopy(sum, 0, p, ModelBundle.MAGIC.length + 2, 32);
            return p;
        }

        private void rejectedPayload(byte[] p, String... fragments) {
            assertMessage(assertThrows(BundleException.class, () -> ModelBundle.fromPayload(p)), fragments);
        }

        @Test
        void badMagic() {
            byte[] p = payload();
            p[0] = 'X';
            rejectedPayload(p, "bad magic");
        }

        @Test
        void unknownVersion() {
            byte[] p = payload();
            p[ModelBundle.MAGIC.length + 1] = 9;
            rejectedPayload(p, "unknown model payload version 9");
        }

        @Test
        void checksumMismatchOnAnyFlippedByte() {
            byte[] clean = payload();
            for (int pos : new int[] {ModelBundle.PAYLOAD_HEADER, ModelBundle.PAYLOAD_HEADER + 20, clean.length - 1,
                    ModelBundle.MAGIC.length + 2}) {
                byte[] p = clean.clone();
                p[pos] ^= 0x01;
                rejectedPayload(p, "checksum mismatch");
            }
        }

        @Test
        void truncated() throws Exception {
            byte[] clean = payload();
            rejectedPayload(Arrays.copyOf(clean, clean.length - 3), "checksum mismatch");
            rejectedPayload(Arrays.copyOf(clean, 20), "too short", "20 bytes");
            rejectedPayload(new byte[0], "too short");
            rejectedPayload(resealed(Arrays.copyOf(clean, clean.length - 3)), "truncated", "model.safetensors");
            rejectedPayload(resealed(Arrays.copyOf(clean, ModelBundle.PAYLOAD_HEADER + 2)), "truncated", "config.json");
            byte[] huge = clean.clone();
            ByteBuffer.wrap(huge).putInt(ModelBundle.PAYLOAD_HEADER, Integer.MAX_VALUE);
            rejectedPayload(resealed(huge), "truncated", "config.json declares 2147483647 bytes");
        }

        @Test
        void trailingBytes() throws Exception {
            byte[] clean = payload();
            rejectedPayload(Arrays.copyOf(clean, clean.length + 4), "checksum mismatch");
            rejectedPayload(resealed(Arrays.copyOf(clean, clean.length + 4)), "4 trailing bytes");
        }

        @Test
        void corruptContentBehindAValidChecksumIsStillValidated() throws Exception {
            ModelBundle.Files3 f = withItems("a\nb\nb\n".getBytes(StandardCharsets.UTF_8));
            byte[] p = ModelBundle.toPayload(ModelBundle.decode(valid()));
            // rebuild the body with the corrupt items.txt
            ByteBuffer body = ByteBuffer.allocate(4 + f.config().length + 4 + f.items().length + 8 + f.weights().length);
            body.putInt(f.config().length).put(f.config()).putInt(f.items().length).put(f.items())
                    .putLong(f.weights().length).put(f.weights());
            byte[] out = concat(Arrays.copyOf(p, ModelBundle.PAYLOAD_HEADER), body.array());
            rejectedPayload(resealed(out), "duplicate item id");
        }
    }
}
