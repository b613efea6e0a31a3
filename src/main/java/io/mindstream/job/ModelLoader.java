package io.mindstream.job;

import io.mindstream.event.ModelMessage;
import io.mindstream.model.BundleException;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns an assembled model message into a {@link MindModel}, once per JVM and model: decoded models are shared
 * by every subtask of the job in this TaskManager (they all see the same broadcast), keyed by version and
 * SHA-256, so the mapped table E·S exists once per TaskManager rather than once per slot. Entries are weak:
 * a model nobody uses any more is collected.
 *
 * <p>A {@link ModelMessage.Reference} is read through Flink's FileSystem abstraction, so file:// works out
 * of the box and s3:// / hdfs:// work where the matching Flink filesystem plugin is installed.
 */
public final class ModelLoader {

    private static final Map<String, WeakReference<MindModel>> CACHE = new HashMap<>();

    private ModelLoader() {
    }

    /**
     * @throws BundleException (an IllegalArgumentException) when the payload is not a valid bundle, its
     *     checksum or size does not match, or its version differs from the message's
     * @throws IOException when a referenced payload cannot be read
     */
    public static MindModel load(ModelMessage message) throws IOException {
        String key = message.modelVersion() + '\u0000' + message.sha256Hex();
        synchronized (CACHE) {
            WeakReference<MindModel> ref = CACHE.get(key);
            MindModel cached = ref == null ? null : ref.get();
            if (cached != null) {
                return cached;
            }
            MindModel model = decode(message);
            for (Iterator<WeakReference<MindModel>> it = CACHE.values().iterator(); it.hasNext(); ) {
                if (it.next().get() == null) {
                    it.remove();
                }
            }
            CACHE.put(key, new WeakReference<>(model));
            return model;
        }
    }

    private static MindModel decode(ModelMessage message) throws IOException {
        byte[] payload;
        if (message instanceof ModelMessage.Chunk c) {
            if (c.count() != 1) {
                throw new IllegalArgumentException("a model must be assembled before loading (" + c + ")");
            }
            payload = c.data();
        } else {
            payload = read((ModelMessage.Reference) message);
        }
        if (!Arrays.equals(sha256(payload), message.sha256())) {
            throw new BundleException("the payload of model " + message.modelVersion()
                    + " does not match the SHA-256 of its message");
        }
        MindModel model = ModelBundle.fromPayload(payload);
        if (!model.version().equals(message.modelVersion())) {
            throw new BundleException("the message announces model_version \"" + message.modelVersion()
                    + "\" but the bundle says \"" + model.version() + "\"");
        }
        return model;
    }

    private static byte[] read(ModelMessage.Reference ref) throws IOException {
        if (ref.payloadBytes() > Integer.MAX_VALUE - 16) {
            throw new BundleException("referenced payload of " + ref.payloadBytes() + " bytes exceeds 2 GiB");
        }
        Path path = new Path(ref.uri());
        FileSystem fs = path.getFileSystem();
        long len = fs.getFileStatus(path).getLen();
        if (len != ref.payloadBytes()) {
            throw new BundleException(ref.uri() + " has " + len + " bytes, the message says " + ref.payloadBytes());
        }
        byte[] payload = new byte[(int) len];
        try (FSDataInputStream in = fs.open(path)) {
            int at = 0;
            while (at < payload.length) {
                int n = in.read(payload, at, payload.length - at);
                if (n < 0) {
                    throw new IOException(ref.uri() + " ended after " + at + " of " + len + " bytes");
                }
                at += n;
            }
        }
        return payload;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
