package io.mindstream.event;

/**
 * A click event that cannot be accepted. Carries a stable machine-readable {@link Reason} and a human-readable
 * detail; both end up in the dead-letter record.
 */
public final class InvalidEventException extends Exception {

    /** Why an event was rejected; the names are the {@code reason_code} values of dead-letter records. */
    public enum Reason {
        /** The record had no value (a tombstone). */
        EMPTY_RECORD,
        /** The value exceeds the configured byte bound; it is not parsed at all. */
        OVERSIZED,
        /** The value is not well-formed JSON (or not UTF-8). */
        NOT_JSON,
        /** Well-formed JSON, but not an object. */
        NOT_AN_OBJECT,
        /** A required field is absent. */
        MISSING_FIELD,
        /** A field has the wrong JSON type (e.g. a string ts, a float ts). */
        WRONG_TYPE,
        /** The same field appears twice. */
        DUPLICATE_FIELD,
        /** An id is empty or blank. */
        EMPTY_ID,
        /** An id is longer than the configured bound. */
        ID_TOO_LONG,
        /** ts is outside the accepted range. */
        TS_OUT_OF_RANGE,
        /** Something follows the JSON object. */
        TRAILING_DATA
    }

    private static final long serialVersionUID = 1L;

    private final Reason reason;

    public InvalidEventException(Reason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
