package io.mindstream.event;

import java.util.Arrays;

/**
 * One emitted update of a user's interests: the output record of the streaming job.
 *
 * @param userId         the user
 * @param modelVersion   the version of the model that produced the vectors
 * @param count          K', the number of interests (0 for a user with no usable behaviour)
 * @param dim            d
 * @param vectors        K' x d floats, row-major
 * @param cause          why it was emitted
 * @param eventId        event_id of the triggering event, null when it had none or for a refresh
 * @param eventTs        ts of the triggering event; for a refresh, of the newest behaviour in the window
 * @param sequenceLength n, the behaviours that took part in routing
 * @param unknownItems   behaviours in the window the model does not know
 * @param updateSeq      per-user counter: 1 for the first update, +1 per update
 * @param updatedAt      processing time of the update, epoch millis
 */
public record InterestUpdate(String userId, String modelVersion, int count, int dim, float[] vectors, Cause cause,
                             String eventId, long eventTs, int sequenceLength, int unknownItems, long updateSeq,
                             long updatedAt) {

    /** What caused an update. */
    public enum Cause {
        /** A click event of the user. */
        EVENT,
        /** A new model version was installed and every user was recomputed. */
        MODEL
    }

    public InterestUpdate {
        if (vectors.length != count * dim) {
            throw new IllegalArgumentException("vectors has " + vectors.length + " floats, expected " + count
                    + " x " + dim);
        }
    }

    /** Interest j, copied. */
    public float[] interest(int j) {
        return Arrays.copyOfRange(vectors, j * dim, (j + 1) * dim);
    }

    /** The interests as a K' x d array, copied. */
    public float[][] interests() {
        float[][] out = new float[count][];
        for (int j = 0; j < count; j++) {
            out[j] = interest(j);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InterestUpdate u && count == u.count && dim == u.dim && eventTs == u.eventTs
                && sequenceLength == u.sequenceLength && unknownItems == u.unknownItems && updateSeq == u.updateSeq
                && updatedAt == u.updatedAt && userId.equals(u.userId) && modelVersion.equals(u.modelVersion)
                && cause == u.cause && java.util.Objects.equals(eventId, u.eventId)
                && Arrays.equals(vectors, u.vectors);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(userId, modelVersion, updateSeq, Arrays.hashCode(vectors));
    }

    @Override
    public String toString() {
        return "InterestUpdate[user=" + userId + ", model=" + modelVersion + ", K'=" + count + ", d=" + dim
                + ", cause=" + cause + ", event=" + eventId + ", ts=" + eventTs + ", n=" + sequenceLength
                + ", unknown=" + unknownItems + ", seq=" + updateSeq + "]";
    }
}
