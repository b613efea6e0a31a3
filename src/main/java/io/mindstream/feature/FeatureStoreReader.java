package io.mindstream.feature;

import io.lettuce.core.KeyValue;
import io.lettuce.core.api.StatefulRedisConnection;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Reads a user's interests back from the feature store: one HMGET of the layout's fields and the decoding of
 * the binary interests. The serving-path reference for {@code lookup} and for the tests.
 */
public final class FeatureStoreReader implements AutoCloseable {

    private static final byte[][] FIELDS = new byte[FeatureStoreLayout.READ_FIELDS.length][];

    static {
        for (int i = 0; i < FIELDS.length; i++) {
            FIELDS[i] = FeatureStoreLayout.bytes(FeatureStoreLayout.READ_FIELDS[i]);
        }
    }

    private final FeatureStoreOptions options;
    private final RedisConnector connector;
    private final StatefulRedisConnection<byte[], byte[]> connection;

    private FeatureStoreReader(FeatureStoreOptions options, RedisConnector connector) {
        this.options = options;
        this.connector = connector;
        try {
            this.connection = connector.connect();
        } catch (RuntimeException e) {
            connector.close();
            throw new FeatureStoreException("cannot connect to the feature store at " + options.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    public static FeatureStoreReader open(FeatureStoreOptions options) {
        return new FeatureStoreReader(options, RedisConnector.create(options));
    }

    /** The stored interests of {@code userId}, or empty when the store holds none (never written or expired). */
    public Optional<StoredInterests> read(String userId) {
        if (userId == null || userId.isEmpty()) {
            throw new IllegalArgumentException("user id must be a non-empty string");
        }
        String key = options.key(userId);
        List<KeyValue<byte[], byte[]>> values;
        try {
            values = connection.sync().hmget(FeatureStoreLayout.bytes(key), FIELDS);
        } catch (RuntimeException e) {
            throw new FeatureStoreException("cannot read " + key + " from " + options.describe() + ": "
                    + e.getMessage(), e);
        }
        if (values.stream().noneMatch(KeyValue::hasValue)) {
            return Optional.empty();
        }
        return Optional.of(decode(key, userId, values));
    }

    private static StoredInterests decode(String key, String userId, List<KeyValue<byte[], byte[]>> values) {
        String modelVersion = text(key, values, 1);
        long updateSeq = number(key, values, 2);
        long updatedAt = number(key, values, 3);
        long eventTs = number(key, values, 4);
        long dim = number(key, values, 5);
        long count = number(key, values, 6);
        byte[] interests = required(key, values, 7);
        InterestsCodec.Decoded decoded;
        try {
            decoded = InterestsCodec.decode(interests);
        } catch (IllegalArgumentException e) {
            throw new FeatureStoreException(key + ": " + e.getMessage(), e);
        }
        if (decoded.count() != count || decoded.dim() != dim) {
            throw new FeatureStoreException(key + ": fields count/dim (" + count + " x " + dim
                    + ") disagree with the interests header (" + decoded.count() + " x " + decoded.dim() + ")");
        }
        return new StoredInterests(userId, modelVersion, updateSeq, updatedAt, eventTs, decoded.count(),
                decoded.dim(), decoded.vectors());
    }

    private static byte[] required(String key, List<KeyValue<byte[], byte[]>> values, int i) {
        KeyValue<byte[], byte[]> kv = values.get(i);
        if (!kv.hasValue()) {
            throw new FeatureStoreException(key + " has no field '" + FeatureStoreLayout.READ_FIELDS[i]
                    + "': not written by this feature store layout");
        }
        return kv.getValue();
    }

    private static String text(String key, List<KeyValue<byte[], byte[]>> values, int i) {
        return new String(required(key, values, i), StandardCharsets.UTF_8);
    }

    private static long number(String key, List<KeyValue<byte[], byte[]>> values, int i) {
        String s = text(key, values, i);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new FeatureStoreException(key + " field '" + FeatureStoreLayout.READ_FIELDS[i]
                    + "' is not an integer: '" + s + "'", e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            connector.close();
        }
    }
}
