package io.mindstream.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import io.mindstream.event.InvalidEventException.Reason;

import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Parses and validates the JSON click events of the clicks topic (schema in docs/EVENTS.md) with Jackson's
 * streaming parser, without building a tree. Unknown fields are skipped so producers can add fields without
 * breaking the job; everything else that is not exactly as documented is rejected with a reason.
 *
 * <p>Thread-safe and serializable (it is shipped inside a Flink function); the clock is read per event.
 */
public final class ClickEventParser implements Serializable {

    private static final long serialVersionUID = 1L;

    /** 2000-01-01T00:00:00Z: older click logs are not plausible. */
    public static final long DEFAULT_MIN_TS = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    /** Clocks of producers run ahead a little; a day is generous and still catches seconds-vs-millis mix-ups. */
    public static final long DEFAULT_MAX_FUTURE_MILLIS = 24L * 3600 * 1000;
    public static final int DEFAULT_MAX_ID_LENGTH = 256;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final int maxIdLength;
    private final int maxRecordBytes;
    private final long minTs;
    private final long maxFutureMillis;
    private final SerializableClock clock;

    /** The clock that bounds ts from above; serializable because the parser travels inside Flink functions. */
    @FunctionalInterface
    public interface SerializableClock extends LongSupplier, Serializable {
    }

    public ClickEventParser() {
        this(DEFAULT_MAX_ID_LENGTH, DEFAULT_MAX_RECORD_BYTES, DEFAULT_MIN_TS, DEFAULT_MAX_FUTURE_MILLIS,
                System::currentTimeMillis);
    }

    /**
     * @param maxIdLength     longest accepted user_id / item_id / event_id, in UTF-16 code units
     * @param maxRecordBytes  longest accepted record value; longer ones are rejected unparsed
     * @param minTs           smallest accepted ts (epoch millis)
     * @param maxFutureMillis how far ts may lie ahead of {@code clock}
     */
    public ClickEventParser(int maxIdLength, int maxRecordBytes, long minTs, long maxFutureMillis,
                            SerializableClock clock) {
        if (maxIdLength < 1) {
            throw new IllegalArgumentException("maxIdLength must be positive, got " + maxIdLength);
        }
        if (maxRecordBytes < 16) {
            throw new IllegalArgumentException("maxRecordBytes must be at least 16, got " + maxRecordBytes);
        }
        if (maxFutureMillis < 0) {
            throw new IllegalArgumentException("maxFutureMillis must not be negative, got " + maxFutureMillis);
        }
        this.maxIdLength = maxIdLength;
        this.maxRecordBytes = maxRecordBytes;
        this.minTs = minTs;
        this.maxFutureMillis = maxFutureMillis;
        this.clock = clock;
    }

    /**
     * @return the validated event
     * @throws InvalidEventException with the reason of the first problem found
     */
    public ClickEvent parse(byte[] value) throws InvalidEventException {
        if (value == null || value.length == 0) {
            throw new InvalidEventException(Reason.EMPTY_RECORD, "the record has no value");
        }
        if (value.length > maxRecordBytes) {
            throw new InvalidEventException(Reason.OVERSIZED,
                    "the record has " + value.length + " bytes, more than the limit of " + maxRecordBytes);
        }
        int bad = firstInvalidUtf8(value);
        if (bad >= 0) {
            throw new InvalidEventException(Reason.NOT_JSON, "not valid UTF-8 at byte " + bad);
        }
        try (JsonParser p = JSON.createParser(value)) {
            return parse(p);
        } catch (InputCoercionException e) {
            throw new InvalidEventException(Reason.TS_OUT_OF_RANGE, "ts does not fit a 64-bit integer");
        } catch (JsonParseException e) {
            throw notJson(e);
        } catch (IOException e) {
            throw new InvalidEventException(Reason.NOT_JSON, "unreadable: " + e.getMessage());
        }
    }

    private ClickEvent parse(JsonParser p) throws IOException, InvalidEventException {
        JsonToken first = p.nextToken();
        if (first != JsonToken.START_OBJECT) {
            throw new InvalidEventException(Reason.NOT_AN_OBJECT,
                    "expected a JSON object, found " + describe(first));
        }
        String userId = null;
        String itemId = null;
        String eventId = null;
        String category = null;
        String behavior = null;
        long ts = 0;
        boolean hasTs = false;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (field) {
                case "user_id" -> userId = id(p, t, field, true);
                case "item_id" -> itemId = id(p, t, field, true);
                case "event_id" -> eventId = id(p, t, field, false);
                case "category" -> category = optionalString(p, t, field);
                case "behavior" -> behavior = optionalString(p, t, field);
                case "ts" -> {
                    if (t != JsonToken.VALUE_NUMBER_INT) {
                        throw new InvalidEventException(Reason.WRONG_TYPE,
                                "ts must be an integer (epoch milliseconds), found " + describe(t));
                    }
                    ts = p.getLongValue();
                    hasTs = true;
                }
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new InvalidEventException(Reason.NOT_JSON, "the JSON object is not closed");
        }
        JsonToken after;
        try {
            after = p.nextToken();
        } catch (JsonParseException e) {
            throw new InvalidEventException(Reason.TRAILING_DATA, "unparseable data after the JSON object");
        }
        if (after != null) {
            throw new InvalidEventException(Reason.TRAILING_DATA, "data after the JSON object: " + describe(after));
        }
        if (userId == null) {
            throw missing("user_id");
        }
        if (itemId == null) {
            throw missing("item_id");
        }
        if (!hasTs) {
            throw missing("ts");
        }
        long now = clock.getAsLong();
        if (ts < minTs || ts > now + maxFutureMillis) {
            throw new InvalidEventException(Reason.TS_OUT_OF_RANGE, "ts " + ts + " is outside ["
                    + minTs + ", " + (now + maxFutureMillis) + "] (epoch milliseconds; seconds by mistake?)");
        }
        return new ClickEvent(userId, itemId, ts, eventId, category, behavior);
    }

    private String id(JsonParser p, JsonToken t, String field, boolean required)
            throws IOException, InvalidEventException {
        if (t == JsonToken.VALUE_NULL && !required) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new InvalidEventException(Reason.WRONG_TYPE, field + " must be a string, found " + describe(t));
        }
        String s = p.getText();
        if (s.isBlank()) {
            throw new InvalidEventException(Reason.EMPTY_ID, field + " is empty");
        }
        if (s.length() > maxIdLength) {
            throw new InvalidEventException(Reason.ID_TOO_LONG,
                    field + " has " + s.length() + " characters, more than the limit of " + maxIdLength);
        }
        return s;
    }

    private String optionalString(JsonParser p, JsonToken t, String field) throws IOException, InvalidEventException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new InvalidEventException(Reason.WRONG_TYPE, field + " must be a string, found " + describe(t));
        }
        String s = p.getText();
        if (s.length() > maxIdLength) {
            throw new InvalidEventException(Reason.ID_TOO_LONG,
                    field + " has " + s.length() + " characters, more than the limit of " + maxIdLength);
        }
        return s;
    }

    /**
     * Strict RFC 3629 check. Jackson decodes overlong forms (C0 80 for NUL) and encoded surrogates without
     * complaint; letting them through would make two byte-different ids the same user, or smuggle a NUL
     * into an id, so they are rejected up front.
     *
     * @return the offset of the first byte of an invalid sequence, or -1 when the whole value is valid
     */
    static int firstInvalidUtf8(byte[] b) {
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 3;
                min = 0x10000;
            } else {
                return i;
            }
            if (i + n >= b.length) {
                return i;
            }
            int cp = c & (0x3F >> n);
            for (int k = 1; k <= n; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return i;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return i;
            }
            i += n + 1;
        }
        return -1;
    }

    private static InvalidEventException missing(String field) {
        return new InvalidEventException(Reason.MISSING_FIELD, "required field " + field + " is missing");
    }

    private static InvalidEventException notJson(JsonParseException e) {
        String msg = e.getOriginalMessage();
        if (msg != null && msg.startsWith("Duplicate field")) {
            return new InvalidEventException(Reason.DUPLICATE_FIELD, msg);
        }
        var loc = e.getLocation();
        return new InvalidEventException(Reason.NOT_JSON, "not valid JSON"
                + (loc == null ? "" : " at byte " + loc.getByteOffset()) + ": " + firstLine(msg));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a non-integer number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }
}
