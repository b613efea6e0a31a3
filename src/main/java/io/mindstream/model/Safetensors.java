package io.mindstream.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The public safetensors layout restricted to what a bundle needs: F32 tensors. An 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and [begin, end) byte offsets into the data
 * section, then the raw little-endian data. Every size read from the file is checked against the file's own
 * length before anything is allocated.
 */
final class Safetensors {

    /** The header may not exceed this many bytes (the reference implementation uses 100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    // A header naming one tensor twice is ambiguous; refuse it instead of silently taking the last entry.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Safetensors() {
    }

    /** One tensor: its shape and its data as floats. */
    record Tensor(long[] shape, float[] data) {
    }

    /** Reads every tensor of {@code file}; only F32 is accepted. */
    static Map<String, Tensor> read(byte[] file, String name) {
        return read(file, name, null);
    }

    /**
     * Reads the tensors named in {@code wanted} (every tensor when null); other entries are skipped, so a file
     * that carries more tensors than a bundle needs (in any dtype) still loads. Only F32 is accepted.
     */
    static Map<String, Tensor> read(byte[] file, String name, Set<String> wanted) {
        if (file.length < 8) {
            throw new BundleException(name + ": bad safetensors header: the file has " + file.length
                    + " bytes, fewer than the 8-byte header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > file.length - 8L) {
            throw new BundleException(name + ": bad safetensors header: header length " + Long.toUnsignedString(headerLen)
                    + " does not fit a file of " + file.length + " bytes");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(file, 8, (int) headerLen, StandardCharsets.UTF_8).trim());
        } catch (JsonProcessingException e) {
            throw new BundleException(name + ": bad safetensors header: not JSON (" + e.getOriginalMessage() + ")");
        }
        if (header == null || !header.isObject()) {
            throw new BundleException(name + ": bad safetensors header: not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = file.length - dataStart;
        Map<String, Tensor> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getKey().equals("__metadata__") || (wanted != null && !wanted.contains(f.getKey()))) {
                continue;
            }
            out.put(f.getKey(), tensor(file, name, f.getKey(), f.getValue(), dataStart, dataLen));
        }
        return out;
    }

    private static Tensor tensor(byte[] file, String name, String tensor, JsonNode info, long dataStart, long dataLen) {
        String where = name + ": tensor " + tensor;
        if (!info.isObject()) {
            throw new BundleException(where + ": header entry is not an object");
        }
        JsonNode dtype = info.get("dtype");
        if (dtype == null || !dtype.isTextual()) {
            throw new BundleException(where + ": dtype is missing");
        }
        if (!dtype.asText().equals("F32")) {
            throw new BundleException(where + ": wrong dtype " + dtype.asText() + ", expected F32");
        }
        JsonNode shapeNode = info.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new BundleException(where + ": shape is missing");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = shapeNode.get(i);
            if (!s.canConvertToLong() || !s.isIntegralNumber() || s.asLong() < 0) {
                throw new BundleException(where + ": shape " + shapeNode + " is not a list of non-negative integers");
            }
            shape[i] = s.asLong();
            if (shape[i] != 0 && count > Long.MAX_VALUE / 4 / shape[i]) {
                throw new BundleException(where + ": shape " + shapeNode + " is absurdly large");
            }
            count *= shape[i];
        }
        JsonNode offsets = info.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new BundleException(where + ": data_offsets must be [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen) {
            throw new BundleException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the "
                    + dataLen + " data bytes");
        }
        if (end - begin != count * 4) {
            throw new BundleException(where + ": shape " + shapeNode + " needs " + (count * 4)
                    + " bytes but data_offsets span " + (end - begin));
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new BundleException(where + ": " + count + " floats exceed what one array holds");
        }
        float[] data = new float[(int) count];
        ByteBuffer.wrap(file, (int) (dataStart + begin), (int) (end - begin))
                .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return new Tensor(shape, data);
    }

    /** Writes tensors in the given order; the header is padded with spaces to a multiple of 8 bytes. */
    static byte[] write(Map<String, Tensor> tensors) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", "F32");
            ArrayNode shape = info.putArray("shape");
            for (long s : e.getValue().shape()) {
                shape.add(s);
            }
            long bytes = 4L * e.getValue().data().length;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        header.putObject("__metadata__").put("format", "mind-bundle/1");
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) {
            throw new BundleException("model too large for one safetensors byte array: " + total + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            out.asFloatBuffer().put(t.data());
            out.position(out.position() + 4 * t.data().length);
        }
        return out.array();
    }
}
