package io.mindstream.feature;

import java.nio.charset.StandardCharsets;

/**
 * The Redis layout of the feature store (documented in docs/FEATURE_STORE.md): one hash per user under
 * {@code {key-prefix}{user_id}} with these fields. Numbers are decimal ASCII, so {@code HGETALL} in redis-cli is
 * readable; {@code interests} is the binary {@link InterestsCodec} value.
 */
public final class FeatureStoreLayout {

    public static final String USER_ID = "user_id";
    public static final String MODEL_VERSION = "model_version";
    public static final String UPDATE_SEQ = "update_seq";
    public static final String UPDATED_AT = "updated_at";
    public static final String EVENT_TS = "event_ts";
    public static final String DIM = "dim";
    public static final String COUNT = "count";
    public static final String INTERESTS = "interests";

    /** The fields a reader needs, in the order {@link FeatureStoreReader} asks for them with HMGET. */
    public static final String[] READ_FIELDS = {USER_ID, MODEL_VERSION, UPDATE_SEQ, UPDATED_AT, EVENT_TS, DIM, COUNT,
        INTERESTS};

    private FeatureStoreLayout() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }
}
