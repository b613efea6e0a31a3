package io.mindstream.job.feature;

import io.mindstream.feature.InterestRecord;
import io.mindstream.feature.InterestsCodec;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One buffered write of the Redis sink: the user's fields with the interests already in their binary form, so
 * the buffer, the checkpointed writer state and the wire all carry the same compact bytes.
 */
public final class RedisWriteEntry implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String userId;
    private final String modelVersion;
    private final long updateSeq;
    private final long updatedAt;
    private final long eventTs;
    private final int count;
    private final int dim;
    private final byte[] interests;

    public RedisWriteEntry(String userId, String modelVersion, long updateSeq, long updatedAt, long eventTs, int count,
                           int dim, byte[] interests) {
        if (userId == null || userId.isEmpty()) {
            throw new IllegalArgumentException("user_id must be a non-empty string");
        }
        if (modelVersion == null || modelVersion.isEmpty()) {
            throw new IllegalArgumentException("model_version must be a non-empty string (user " + userId + ")");
        }
        if (updateSeq < 0) {
            throw new IllegalArgumentException("update_seq must be >= 0, got " + updateSeq + " (user " + userId + ")");
        }
        Objects.requireNonNull(interests, "interests");
        if (interests.length != InterestsCodec.encodedSize(count, dim)) {
            throw new IllegalArgumentException("interests has " + interests.length + " bytes, expected "
                    + InterestsCodec.encodedSize(count, dim) + " for " + count + " x " + dim + " (user " + userId + ")");
        }
        this.userId = userId;
        this.modelVersion = modelVersion;
        this.updateSeq = updateSeq;
        this.updatedAt = updatedAt;
        this.eventTs = eventTs;
        this.count = count;
        this.dim = dim;
        this.interests = interests;
    }

    /** The write of a record: its interests encoded once, here. */
    public static RedisWriteEntry of(InterestRecord r) {
        return new RedisWriteEntry(r.userId(), r.modelVersion(), r.updateSeq(), r.updatedAt(), r.eventTs(), r.count(),
                r.dim(), InterestsCodec.encode(r.count(), r.dim(), r.vectors()));
    }

    public String userId() {
        return userId;
    }

    public String modelVersion() {
        return modelVersion;
    }

    public long updateSeq() {
        return updateSeq;
    }

    public long updatedAt() {
        return updatedAt;
    }

    public long eventTs() {
        return eventTs;
    }

    public int count() {
        return count;
    }

    public int dim() {
        return dim;
    }

    /** The encoded interests; not copied. */
    public byte[] interests() {
        return interests;
    }

    /** Bytes this write puts on the wire, roughly: what batching and max-record-bytes count. */
    public long sizeInBytes() {
        return interests.length + 4L * (userId.length() + modelVersion.length()) + 96;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisWriteEntry e && updateSeq == e.updateSeq && updatedAt == e.updatedAt
                && eventTs == e.eventTs && count == e.count && dim == e.dim && userId.equals(e.userId)
                && modelVersion.equals(e.modelVersion) && Arrays.equals(interests, e.interests);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, updateSeq, Arrays.hashCode(interests));
    }

    @Override
    public String toString() {
        return "RedisWriteEntry[user=" + userId + ", model=" + modelVersion + ", seq=" + updateSeq + ", K'=" + count
                + ", d=" + dim + ", " + interests.length + " bytes]";
    }
}
