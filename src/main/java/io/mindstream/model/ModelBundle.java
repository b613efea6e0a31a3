package io.mindstream.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mindstream.routing.RoutingConfig;
import io.mindstream.routing.RoutingSoftmax;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code mind-bundle/1} interchange format (MIND.md): a directory with config.json, model.safetensors
 * ({@code item_embeddings} F32 [V, d], {@code bilinear} F32 [d, d]) and items.txt (V lines), and the same
 * three files as one byte payload for Kafka and archives.
 *
 * <p>Payload layout (all integers big-endian):
 * <pre>
 *   8 bytes   magic "MINDBNDL"
 *   2 bytes   payload format version (1)
 *   32 bytes  sha256 of the body
 *   body:     4-byte length + config.json, 4-byte length + items.txt, 8-byte length + model.safetensors
 * </pre>
 * Every length is checked against the bytes actually present before anything is allocated, and the checksum
 * is verified before the body is parsed.
 */
public final class ModelBundle {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String ITEMS_FILE = "items.txt";
    public static final String EMBEDDINGS_TENSOR = "item_embeddings";
    public static final String BILINEAR_TENSOR = "bilinear";

    /** Largest accepted file of a bundle, and largest payload. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;
    /** Largest accepted config.json. */
    public static final int MAX_CONFIG_BYTES = 1 << 20;

    static final byte[] MAGIC = "MINDBNDL".getBytes(StandardCharsets.US_ASCII);
    static final short PAYLOAD_VERSION = 1;
    static final int PAYLOAD_HEADER = MAGIC.length + 2 + 32;

    private static final Set<String> KNOWN_KEYS = Set.of("format", "model_version", "embedding_dim",
            "max_interests", "routing_iterations", "max_sequence_length", "dynamic_interests", "routing_softmax",
            "init_stddev");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelBundle() {
    }

    /** The three files of a bundle as bytes, before validation. */
    public record Files3(byte[] config, byte[] items, byte[] weights) {
    }

    // ---------------------------------------------------------------- directory

    /** Reads and validates the bundle in {@code dir}. */
    public static MindModel read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new BundleException("model bundle " + dir + " is not a directory");
        }
        return decode(new Files3(readFile(dir, CONFIG_FILE, MAX_CONFIG_BYTES), readFile(dir, ITEMS_FILE, MAX_FILE_BYTES),
                readFile(dir, WEIGHTS_FILE, MAX_FILE_BYTES)));
    }

    /** Writes {@code model} as a bundle into {@code dir} (created if needed; the three files are replaced). */
    public static void write(MindModel model, Path dir) throws IOException {
        Files3 files = encode(model);
        Files.createDirectories(dir);
        writeAtomically(dir.resolve(WEIGHTS_FILE), files.weights());
        writeAtomically(dir.resolve(ITEMS_FILE), files.items());
        writeAtomically(dir.resolve(CONFIG_FILE), files.config());
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] readFile(Path dir, String name, long limit) throws IOException {
        Path p = dir.resolve(name);
        try {
            if (Files.isDirectory(p)) {
                throw new BundleException("model bundle " + dir + ": " + name + " is a directory, not a file");
            }
            long size = Files.size(p);
            if (size > limit) {
                throw new BundleException(p + " has " + size + " bytes, more than the limit of " + limit);
            }
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new BundleException("model bundle " + dir + " is missing " + name);
        }
    }

    // ---------------------------------------------------------------- payload

    /** The bundle of {@code model} as one checksummed byte payload. */
    public static byte[] toPayload(MindModel model) {
        Files3 f = encode(model);
        long bodyLen = 4L + f.config().length + 4L + f.items().length + 8L + f.weights().length;
        if (PAYLOAD_HEADER + bodyLen > MAX_FILE_BYTES) {
            throw new BundleException("model too large for one payload: " + (PAYLOAD_HEADER + bodyLen) + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate((int) bodyLen);
        body.putInt(f.config().length).put(f.config());
        body.putInt(f.items().length).put(f.items());
        body.putLong(f.weights().length).put(f.weights());
        ByteBuffer out = ByteBuffer.allocate(PAYLOAD_HEADER + (int) bodyLen);
        out.put(MAGIC).putShort(PAYLOAD_VERSION).put(sha256(body.array(), 0, body.capacity())).put(body.array());
        return out.array();
    }

    /** Validates and decodes a payload written by {@link #toPayload}. */
    public static MindModel fromPayload(byte[] payload) {
        return decode(payloadFiles(payload));
    }

    /** The hex sha256 that a payload carries (of its body), after checking the magic and the checksum. */
    public static String payloadSha256(byte[] payload) {
        payloadFiles(payload);
        return HexFormat.of().formatHex(payload, MAGIC.length + 2, PAYLOAD_HEADER);
    }

    /** Hex sha256 of bytes, as used in model messages. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256(bytes, 0, bytes.length));
    }

    /** Splits a payload into its three files, checking the magic, version, checksum and every length. */
    public static Files3 payloadFiles(byte[] payload) {
        if (payload == null || payload.length < PAYLOAD_HEADER) {
            throw new BundleException("model payload too short: " + (payload == null ? 0 : payload.length) + " bytes");
        }
        if (!Arrays.equals(payload, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new BundleException("not a model payload: bad magic");
        }
        ByteBuffer in = ByteBuffer.wrap(payload);
        short version = in.getShort(MAGIC.length);
        if (version != PAYLOAD_VERSION) {
            throw new BundleException("unknown model payload version " + version + " (this build reads "
                    + PAYLOAD_VERSION + ")");
        }
        byte[] expected = Arrays.copyOfRange(payload, MAGIC.length + 2, PAYLOAD_HEADER);
        byte[] actual = sha256(payload, PAYLOAD_HEADER, payload.length - PAYLOAD_HEADER);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new BundleException("model payload checksum mismatch: carries "
                    + HexFormat.of().formatHex(expected) + ", content hashes to " + HexFormat.of().formatHex(actual));
        }
        in.position(PAYLOAD_HEADER);
        byte[] config = section(in, in.remaining() >= 4 ? in.getInt() : -1, "config.json");
        byte[] items = section(in, in.remaining() >= 4 ? in.getInt() : -1, "items.txt");
        byte[] weights = section(in, in.remaining() >= 8 ? in.getLong() : -1, "model.safetensors");
        if (in.hasRemaining()) {
            throw new BundleException("model payload has " + in.remaining() + " trailing bytes");
        }
        return new Files3(config, items, weights);
    }

    private static byte[] section(ByteBuffer in, long len, String name) {
        if (len < 0 || len > in.remaining()) {
            throw new BundleException("model payload truncated: " + name + " declares " + len + " bytes, "
                    + in.remaining() + " remain");
        }
        byte[] b = new byte[(int) len];
        in.get(b);
        return b;
    }

    private static byte[] sha256(byte[] b, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, off, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    // ---------------------------------------------------------------- the three files

    /** Validates the three files of a bundle and builds the model. */
    public static MindModel decode(Files3 files) {
        ModelConfig config = parseConfig(files.config());
        String[] items = parseItems(files.items());
        Map<String, Safetensors.Tensor> tensors = Safetensors.read(files.weights(), WEIGHTS_FILE,
                Set.of(EMBEDDINGS_TENSOR, BILINEAR_TENSOR));
        Safetensors.Tensor e = require(tensors, EMBEDDINGS_TENSOR);
        Safetensors.Tensor s = require(tensors, BILINEAR_TENSOR);
        int d = config.dim();
        if (e.shape().length != 2 || e.shape()[1] != d) {
            throw new BundleException("tensor item_embeddings has shape " + Arrays.toString(e.shape())
                    + ", expected [V, " + d + "] (embedding_dim " + d + ")");
        }
        if (s.shape().length != 2 || s.shape()[0] != d || s.shape()[1] != d) {
            throw new BundleException("tensor bilinear has shape " + Arrays.toString(s.shape()) + ", expected ["
                    + d + ", " + d + "] (embedding_dim " + d + ")");
        }
        if (e.shape()[0] != items.length) {
            throw new BundleException("items.txt has " + items.length + " lines but item_embeddings has "
                    + e.shape()[0] + " rows");
        }
        try {
            return new MindModel(config, items, e.data(), s.data());
        } catch (BundleException ex) {
            throw ex;
        } catch (IllegalArgumentException ex) {
            throw new BundleException(ex.getMessage(), ex);
        }
    }

    private static Safetensors.Tensor require(Map<String, Safetensors.Tensor> tensors, String name) {
        Safetensors.Tensor t = tensors.get(name);
        if (t == null) {
            throw new BundleException(WEIGHTS_FILE + " has no tensor " + name + " (it has " + tensors.keySet() + ")");
        }
        return t;
    }

    /** The three files of {@code model}. */
    public static Files3 encode(MindModel model) {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        int d = model.dim();
        tensors.put(EMBEDDINGS_TENSOR, new Safetensors.Tensor(new long[] {model.itemCount(), d}, model.embeddingTable()));
        tensors.put(BILINEAR_TENSOR, new Safetensors.Tensor(new long[] {d, d}, model.bilinearMatrix()));
        StringBuilder items = new StringBuilder();
        for (int r = 0; r < model.itemCount(); r++) {
            items.append(model.items().idOf(r)).append('\n');
        }
        return new Files3(configJson(model.config()), items.toString().getBytes(StandardCharsets.UTF_8),
                Safetensors.write(tensors));
    }

    static byte[] configJson(ModelConfig c) {
        RoutingConfig r = c.routing();
        ObjectNode o = JSON.createObjectNode();
        o.put("format", ModelConfig.FORMAT);
        o.put("model_version", c.modelVersion());
        o.put("embedding_dim", r.embeddingDim());
        o.put("max_interests", r.maxInterests());
        o.put("routing_iterations", r.iterations());
        o.put("max_sequence_length", r.maxSequenceLength());
        o.put("dynamic_interests", r.dynamicInterests());
        o.put("routing_softmax", r.softmax().wireName());
        o.put("init_stddev", r.initStddev());
        for (Map.Entry<String, String> x : c.extras().entrySet()) {
            try {
                o.set(x.getKey(), JSON.readTree(x.getValue()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("extra config key " + x.getKey() + " holds invalid JSON", e);
            }
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ModelConfig parseConfig(byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new BundleException(CONFIG_FILE + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new BundleException(CONFIG_FILE + " is not a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || !format.isTextual()) {
            throw new BundleException(CONFIG_FILE + ": \"format\" is missing (expected \"" + ModelConfig.FORMAT + "\")");
        }
        if (!format.asText().equals(ModelConfig.FORMAT)) {
            throw new BundleException(CONFIG_FILE + ": unknown format \"" + format.asText() + "\", expected \""
                    + ModelConfig.FORMAT + "\"");
        }
        String version = text(root, "model_version");
        try {
            RoutingConfig routing = new RoutingConfig(
                    integer(root, "embedding_dim", null),
                    integer(root, "max_interests", null),
                    integer(root, "routing_iterations", 3),
                    integer(root, "max_sequence_length", null),
                    bool(root, "dynamic_interests", true),
                    RoutingSoftmax.fromWireName(root.has("routing_softmax") ? text(root, "routing_softmax") : "interests"),
                    number(root, "init_stddev", 1.0f));
            Map<String, String> extras = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!KNOWN_KEYS.contains(f.getKey())) {
                    extras.put(f.getKey(), f.getValue().toString());
                }
            }
            return new ModelConfig(version, routing, extras);
        } catch (BundleException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new BundleException(CONFIG_FILE + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null) {
            throw new BundleException(CONFIG_FILE + ": \"" + key + "\" is missing");
        }
        if (!n.isTextual()) {
            throw new BundleException(CONFIG_FILE + ": \"" + key + "\" must be a string, got " + n);
        }
        return n.asText();
    }

    private static int integer(JsonNode root, String key, Integer dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                throw new BundleException(CONFIG_FILE + ": \"" + key + "\" is missing");
            }
            return dflt;
        }
        // 64.0 is accepted: some JSON writers only have doubles.
        boolean integral = n.isIntegralNumber()
                || (n.isFloatingPointNumber() && n.doubleValue() == Math.rint(n.doubleValue()));
        if (!integral || !n.canConvertToInt()) {
            throw new BundleException(CONFIG_FILE + ": \"" + key + "\" must be an integer, got " + n);
        }
        return n.isIntegralNumber() ? n.intValue() : (int) n.doubleValue();
    }

    private static boolean bool(JsonNode root, String key, boolean dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new BundleException(CONFIG_FILE + ": \"" + key + "\" must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static float number(JsonNode root, String key, float dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw new BundleException(CONFIG_FILE + ": \"" + key + "\" must be a number, got " + n);
        }
        return n.floatValue();
    }

    static String[] parseItems(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BundleException(ITEMS_FILE + " is not valid UTF-8");
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        int len = text.length();
        while (start < len) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? len : nl;
            int stop = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(text.substring(start, stop));
            start = end + 1;
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                throw new BundleException(ITEMS_FILE + " line " + (i + 1) + " is empty");
            }
        }
        return lines.toArray(new String[0]);
    }
}
