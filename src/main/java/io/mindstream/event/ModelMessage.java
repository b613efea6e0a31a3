package io.mindstream.event;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A message of the weights topic (protocol in docs/EVENTS.md). A model bundle payload travels either inline,
 * split into {@link Chunk}s that fit the Kafka message limit, or as a {@link Reference} to a payload file on
 * a shared filesystem. Both name the model version and carry the SHA-256 of the whole payload, which the
 * receiver verifies before use.
 *
 * <p>Wire format, big-endian:
 * <pre>
 *   4  magic "MWGT"
 *   1  format version (1)
 *   1  kind: 1 = chunk, 2 = reference
 *   2+ model_version (u16 byte length + UTF-8)
 *  32  sha256 of the whole payload
 *   8  payload length in bytes
 *  chunk:     4 index, 4 count, 4 data length, data
 *  reference: 2+ uri (u16 byte length + UTF-8)
 * </pre>
 */
public sealed interface ModelMessage permits ModelMessage.Chunk, ModelMessage.Reference {

    int MAGIC = 0x4D574754; // "MWGT"
    byte FORMAT_VERSION = 1;
    int MAX_VERSION_BYTES = 1024;
    int MAX_URI_BYTES = 4096;

    String modelVersion();

    /** SHA-256 of the whole payload. */
    byte[] sha256();

    long payloadBytes();

    byte[] encode();

    default String sha256Hex() {
        return HexFormat.of().formatHex(sha256());
    }

    /** One piece of an inline payload; a payload that fits one message is a single chunk with count 1. */
    record Chunk(String modelVersion, byte[] sha256, long payloadBytes, int index, int count, byte[] data)
            implements ModelMessage {

        public Chunk {
            requireHeader(modelVersion, sha256, payloadBytes);
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("chunk index " + index + " of " + count + " is out of range");
            }
            if (data == null || data.length > payloadBytes) {
                throw new IllegalArgumentException("chunk data is missing or longer than the payload");
            }
        }

        @Override
        public byte[] encode() {
            return write(this, 1, out -> {
                out.writeInt(index);
                out.writeInt(count);
                out.writeInt(data.length);
                out.write(data);
            });
        }

        @Override
        public String toString() {
            return "Chunk[" + modelVersion + " " + (index + 1) + "/" + count + ", " + data.length + " of "
                    + payloadBytes + " bytes, sha256 " + sha256Hex().substring(0, 12) + "]";
        }
    }

    /** A payload stored on a filesystem the job can read (file://, s3://, hdfs:// ...). */
    record Reference(String modelVersion, byte[] sha256, long payloadBytes, String uri) implements ModelMessage {

        public Reference {
            requireHeader(modelVersion, sha256, payloadBytes);
            if (uri == null || uri.isBlank()) {
                throw new IllegalArgumentException("the reference has no uri");
            }
            if (uri.getBytes(StandardCharsets.UTF_8).length > MAX_URI_BYTES) {
                throw new IllegalArgumentException("uri is longer than " + MAX_URI_BYTES + " bytes");
            }
        }

        @Override
        public byte[] encode() {
            return write(this, 2, out -> writeString(out, uri));
        }

        @Override
        public String toString() {
            return "Reference[" + modelVersion + " at " + uri + ", " + payloadBytes + " bytes, sha256 "
                    + sha256Hex().substring(0, 12) + "]";
        }
    }

    /**
     * @throws IllegalArgumentException with what is wrong when the bytes are not a model message
     */
    static ModelMessage decode(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("empty weights message");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a weights message (bad magic)");
            }
            byte version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("unsupported weights message format version " + version);
            }
            byte kind = in.readByte();
            String modelVersion = readString(in, MAX_VERSION_BYTES, "model_version");
            byte[] sha = new byte[32];
            in.readFully(sha);
            long size = in.readLong();
            ModelMessage m;
            if (kind == 1) {
                int index = in.readInt();
                int count = in.readInt();
                int len = in.readInt();
                if (len < 0 || len > in.available()) {
                    throw new IllegalArgumentException("chunk data length " + len + " exceeds the message");
                }
                byte[] data = new byte[len];
                in.readFully(data);
                m = new Chunk(modelVersion, sha, size, index, count, data);
            } else if (kind == 2) {
                m = new Reference(modelVersion, sha, size, readString(in, MAX_URI_BYTES, "uri"));
            } else {
                throw new IllegalArgumentException("unknown weights message kind " + kind);
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException(in.available() + " unexpected bytes after the weights message");
            }
            return m;
        } catch (EOFException e) {
            throw new IllegalArgumentException("truncated weights message");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Splits a payload into chunk messages of at most {@code chunkBytes} data bytes each. */
    static List<Chunk> chunk(String modelVersion, byte[] payload, int chunkBytes) {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkBytes);
        }
        byte[] sha = sha256(payload);
        int count = Math.max(1, (int) ((payload.length + (long) chunkBytes - 1) / chunkBytes));
        List<Chunk> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = i * chunkBytes;
            int to = Math.min(payload.length, from + chunkBytes);
            chunks.add(new Chunk(modelVersion, sha, payload.length, i, count, Arrays.copyOfRange(payload, from, to)));
        }
        return chunks;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static void requireHeader(String modelVersion, byte[] sha256, long payloadBytes) {
        if (modelVersion == null || modelVersion.isEmpty()) {
            throw new IllegalArgumentException("model_version is missing");
        }
        if (sha256 == null || sha256.length != 32) {
            throw new IllegalArgumentException("sha256 must have 32 bytes");
        }
        if (payloadBytes < 1) {
            throw new IllegalArgumentException("payload length must be positive, got " + payloadBytes);
        }
    }

    /** Writes the shared header then the kind-specific body. */
    private static byte[] write(ModelMessage m, int kind, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(FORMAT_VERSION);
            out.writeByte(kind);
            writeString(out, m.modelVersion());
            out.write(m.sha256());
            out.writeLong(m.payloadBytes());
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the kind-specific part of a message; an implementation detail of {@link #encode()}. */
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("string of " + b.length + " bytes does not fit the message");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in, int max, String what) throws IOException {
        int len = in.readUnsignedShort();
        if (len > max) {
            throw new IllegalArgumentException(what + " has " + len + " bytes, more than " + max);
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
