package io.mindstream.feature;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * One user's interests as read back from the feature store.
 *
 * @param userId       the user
 * @param modelVersion the model version that produced the vectors
 * @param updateSeq    the update counter of the stored write
 * @param updatedAt    when the update was computed, epoch millis
 * @param eventTs      ts of the event that caused it, epoch millis
 * @param count        K'
 * @param dim          d
 * @param vectors      K' x d floats, row-major
 */
public record StoredInterests(String userId, String modelVersion, long updateSeq, long updatedAt, long eventTs,
                              int count, int dim, float[] vectors) {

    private static final JsonFactory JSON = new JsonFactory();

    public StoredInterests {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(modelVersion, "modelVersion");
        InterestsCodec.checkShape(count, dim, vectors.length);
    }

    /** Interest j, copied. */
    public float[] interest(int j) {
        Objects.checkIndex(j, count);
        return Arrays.copyOfRange(vectors, j * dim, (j + 1) * dim);
    }

    /**
     * One JSON line: {@code {"user_id", "model_version", "interests": [[...]], "event_ts", "updated_at",
     * "update_seq"}}. Floats are written with {@link Float#toString}, so they parse back to the same float32.
     */
    public String toJson() {
        StringWriter out = new StringWriter(64 + vectors.length * 12);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("user_id", userId);
            g.writeStringField("model_version", modelVersion);
            g.writeArrayFieldStart("interests");
            for (int j = 0; j < count; j++) {
                g.writeStartArray();
                for (int i = j * dim; i < (j + 1) * dim; i++) {
                    float v = vectors[i];
                    if (Float.isFinite(v)) {
                        g.writeNumber(v);
                    } else {
                        // JSON has no NaN/Infinity literals; a string keeps the line parseable.
                        g.writeString(Float.toString(v));
                    }
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeNumberField("event_ts", eventTs);
            g.writeNumberField("updated_at", updatedAt);
            g.writeNumberField("update_seq", updateSeq);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredInterests s && updateSeq == s.updateSeq && updatedAt == s.updatedAt
                && eventTs == s.eventTs && count == s.count && dim == s.dim && userId.equals(s.userId)
                && modelVersion.equals(s.modelVersion) && Arrays.equals(vectors, s.vectors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, modelVersion, updateSeq, Arrays.hashCode(vectors));
    }

    @Override
    public String toString() {
        return "StoredInterests[user=" + userId + ", model=" + modelVersion + ", seq=" + updateSeq + ", K'=" + count
                + ", d=" + dim + "]";
    }
}
