package io.mindstream.feature;

import java.util.Arrays;
import java.util.Objects;

/**
 * The latest interests of one user as the feature store keeps them: one write into Redis.
 *
 * <p>Independent of the streaming job's output type, so the store can be fed from the job, a Kafka consumer
 * of the interests topic or a backfill alike; the job converts its update with a one-line mapping.
 *
 * @param userId       the user
 * @param modelVersion the version of the model that produced the vectors
 * @param count        K', the number of interests (0 for a user with no usable behaviour)
 * @param dim          d (0 when count is 0 and the producer did not know it)
 * @param vectors      K' x d floats, row-major; not copied
 * @param eventTs      ts of the event that caused the update, epoch millis
 * @param updateSeq    the per-user update counter of the job (non-negative): orders and de-duplicates writes
 * @param updatedAt    when the update was computed, epoch millis
 */
public record InterestRecord(String userId, String modelVersion, int count, int dim, float[] vectors, long eventTs,
                             long updateSeq, long updatedAt) {

    public InterestRecord {
        if (userId == null || userId.isEmpty()) {
            throw new IllegalArgumentException("user_id must be a non-empty string");
        }
        if (modelVersion == null || modelVersion.isEmpty()) {
            throw new IllegalArgumentException("model_version must be a non-empty string (user " + userId + ")");
        }
        Objects.requireNonNull(vectors, "vectors");
        InterestsCodec.checkShape(count, dim, vectors.length);
        if (updateSeq < 0) {
            throw new IllegalArgumentException("update_seq must be >= 0, got " + updateSeq + " (user " + userId + ")");
        }
    }

    /** Interest j, copied. */
    public float[] interest(int j) {
        Objects.checkIndex(j, count);
        return Arrays.copyOfRange(vectors, j * dim, (j + 1) * dim);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InterestRecord r && count == r.count && dim == r.dim && eventTs == r.eventTs
                && updateSeq == r.updateSeq && updatedAt == r.updatedAt && userId.equals(r.userId)
                && modelVersion.equals(r.modelVersion) && Arrays.equals(vectors, r.vectors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, modelVersion, updateSeq, Arrays.hashCode(vectors));
    }

    @Override
    public String toString() {
        return "InterestRecord[user=" + userId + ", model=" + modelVersion + ", K'=" + count + ", d=" + dim
                + ", seq=" + updateSeq + ", ts=" + eventTs + "]";
    }
}
