package io.mindstream.event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reassembles model payloads from the messages of the weights topic, in topic order, and verifies them.
 *
 * <p>Chunks of several models may interleave (two publishers); each (version, sha256) pair is assembled on its
 * own. Memory is bounded: a payload may not declare more than {@code maxPayloadBytes} or more than
 * {@code maxChunks} chunks, and at most {@code maxPending} incomplete payloads are kept; when another one
 * starts, the oldest is dropped as truncated. A chunk other than the first of a payload that was just
 * completed is a producer retry and is ignored; its first chunk starts a new publication (a rollback). A payload is released only when every chunk arrived, the chunk
 * headers agree, the lengths add up and the SHA-256 of the whole matches. Repeated chunks (a producer retry)
 * are ignored when they are identical. Not thread-safe.
 */
public final class ModelAssembler {

    public static final long DEFAULT_MAX_PAYLOAD_BYTES = 512L * 1024 * 1024;
    public static final int DEFAULT_MAX_CHUNKS = 4096;
    public static final int DEFAULT_MAX_PENDING = 2;

    /** The result of feeding one message: a complete model (or null) and the rejections it caused. */
    public record Outcome(ModelMessage complete, List<String> rejections) {
        static Outcome pending(List<String> rejections) {
            return new Outcome(null, rejections);
        }
    }

    private final long maxPayloadBytes;
    private final int maxChunks;
    private final int maxPending;
    /** Insertion order = age, for evicting the oldest incomplete payload. */
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    /** Recently completed payloads: a repeated tail chunk of one of them is a retry, not a new publication. */
    private final java.util.Set<String> completed = new java.util.LinkedHashSet<>();
    private static final int REMEMBER_COMPLETED = 8;

    public ModelAssembler() {
        this(DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_PENDING);
    }

    public ModelAssembler(long maxPayloadBytes, int maxChunks, int maxPending) {
        if (maxPayloadBytes < 1 || maxPayloadBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxPayloadBytes must be in 1.." + (Integer.MAX_VALUE - 16)
                    + " (an inline payload is one Java array); use a reference message for larger models");
        }
        if (maxChunks < 1 || maxPending < 1) {
            throw new IllegalArgumentException("maxChunks and maxPending must be positive");
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxChunks = maxChunks;
        this.maxPending = maxPending;
    }

    /**
     * Feeds the value of one weights-topic record.
     *
     * @return a complete, verified message (a single {@link ModelMessage.Chunk} holding the whole payload, or
     *     the {@link ModelMessage.Reference}) when this record completed one; the reasons of every rejection
     */
    public Outcome accept(byte[] value) {
        ModelMessage m;
        try {
            m = ModelMessage.decode(value);
        } catch (IllegalArgumentException e) {
            return Outcome.pending(List.of(e.getMessage()));
        }
        if (m instanceof ModelMessage.Reference ref) {
            return new Outcome(ref, List.of());
        }
        ModelMessage.Chunk c = (ModelMessage.Chunk) m;
        String what = "model " + c.modelVersion() + " (sha256 " + c.sha256Hex().substring(0, 12) + ")";
        if (c.payloadBytes() > maxPayloadBytes) {
            return Outcome.pending(List.of(what + " declares " + c.payloadBytes() + " bytes, more than the limit of "
                    + maxPayloadBytes + "; publish it as a reference"));
        }
        if (c.count() > maxChunks) {
            return Outcome.pending(List.of(what + " declares " + c.count() + " chunks, more than the limit of "
                    + maxChunks));
        }
        String key = c.modelVersion() + '\u0000' + c.sha256Hex();
        List<String> rejections = new ArrayList<>(1);
        Pending p = pending.get(key);
        if (p == null) {
            if (completed.contains(key)) {
                if (c.index() != 0) {
                    return Outcome.pending(rejections);
                }
                completed.remove(key); // chunk 0 again: the same model is being published again (a rollback)
            }
            while (pending.size() >= maxPending) {
                Iterator<Map.Entry<String, Pending>> oldest = pending.entrySet().iterator();
                Pending dropped = oldest.next().getValue();
                oldest.remove();
                rejections.add(dropped.describe() + " is incomplete (" + dropped.received + " of "
                        + dropped.chunks.length + " chunks) and was dropped: another model started");
            }
            p = new Pending(c);
            pending.put(key, p);
        } else if (p.chunks.length != c.count() || p.payloadBytes != c.payloadBytes()) {
            pending.remove(key);
            rejections.add(what + ": chunk " + c.index() + " says " + c.count() + " chunks / " + c.payloadBytes()
                    + " bytes, earlier chunks said " + p.chunks.length + " / " + p.payloadBytes);
            return Outcome.pending(rejections);
        }
        byte[] earlier = p.chunks[c.index()];
        if (earlier != null) {
            if (!Arrays.equals(earlier, c.data())) {
                pending.remove(key);
                rejections.add(what + ": chunk " + c.index() + " arrived twice with different content");
            }
            return Outcome.pending(rejections);
        }
        if (p.bytes + c.data().length > p.payloadBytes) {
            pending.remove(key);
            rejections.add(what + ": chunks add up to more than the declared " + p.payloadBytes + " bytes");
            return Outcome.pending(rejections);
        }
        p.chunks[c.index()] = c.data();
        p.received++;
        p.bytes += c.data().length;
        if (p.received < p.chunks.length) {
            return Outcome.pending(rejections);
        }
        pending.remove(key);
        completed.add(key);
        if (completed.size() > REMEMBER_COMPLETED) {
            completed.remove(completed.iterator().next());
        }
        if (p.bytes != p.payloadBytes) {
            rejections.add(what + ": chunks add up to " + p.bytes + " bytes, the header says " + p.payloadBytes);
            return Outcome.pending(rejections);
        }
        byte[] payload = new byte[(int) p.bytes];
        int at = 0;
        for (byte[] chunk : p.chunks) {
            System.arraycopy(chunk, 0, payload, at, chunk.length);
            at += chunk.length;
        }
        if (!Arrays.equals(ModelMessage.sha256(payload), c.sha256())) {
            rejections.add(what + ": the SHA-256 of the assembled payload does not match (corrupt chunks)");
            return Outcome.pending(rejections);
        }
        return new Outcome(new ModelMessage.Chunk(c.modelVersion(), c.sha256(), p.bytes, 0, 1, payload), rejections);
    }

    /** Bytes held by incomplete payloads. */
    public long pendingBytes() {
        long sum = 0;
        for (Pending p : pending.values()) {
            sum += p.bytes;
        }
        return sum;
    }

    /**
     * The chunks of every incomplete payload, oldest payload first, as messages: feeding them to a fresh
     * assembler restores this one (how the job checkpoints a half-received model).
     */
    public List<byte[]> pendingMessages() {
        List<byte[]> out = new ArrayList<>();
        for (Pending p : pending.values()) {
            byte[] sha = java.util.HexFormat.of().parseHex(p.sha);
            for (int i = 0; i < p.chunks.length; i++) {
                if (p.chunks[i] != null) {
                    out.add(new ModelMessage.Chunk(p.version, sha, p.payloadBytes, i, p.chunks.length, p.chunks[i])
                            .encode());
                }
            }
        }
        return out;
    }

    public int pendingCount() {
        return pending.size();
    }

    private static final class Pending {
        final String version;
        final String sha;
        final long payloadBytes;
        final byte[][] chunks;
        int received;
        long bytes;

        Pending(ModelMessage.Chunk first) {
            version = first.modelVersion();
            sha = first.sha256Hex();
            payloadBytes = first.payloadBytes();
            chunks = new byte[first.count()][];
        }

        String describe() {
            return "model " + version + " (sha256 " + sha.substring(0, 12) + ")";
        }
    }
}
