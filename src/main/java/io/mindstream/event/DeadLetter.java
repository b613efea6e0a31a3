package io.mindstream.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A record that was not accepted, with everything needed to inspect or replay it: the original key and value
 * bytes (base64 in the JSON form, so any bytes survive), the reason and the Kafka coordinates of the source.
 *
 * @param reasonCode stable code ({@link InvalidEventException.Reason} names)
 * @param reason     human-readable detail
 * @param rejectedAt processing time of the rejection, epoch millis
 */
public record DeadLetter(String reasonCode, String reason, String topic, int partition, long offset,
                         long timestamp, byte[] key, byte[] value, long rejectedAt) {

    private static final JsonFactory JSON = new JsonFactory();

    public static DeadLetter of(RawRecord raw, InvalidEventException e, long now) {
        return new DeadLetter(e.reason().name(), e.getMessage(), raw.topic(), raw.partition(), raw.offset(),
                raw.timestamp(), raw.key(), raw.value(), now);
    }

    /** The JSON value of a dead-letter record (layout in docs/EVENTS.md). */
    public byte[] toJson() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + (value == null ? 0 : value.length * 4 / 3));
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("reason_code", reasonCode);
            g.writeStringField("reason", reason);
            g.writeStringField("topic", topic);
            g.writeNumberField("partition", partition);
            g.writeNumberField("offset", offset);
            g.writeNumberField("timestamp", timestamp);
            if (key != null) {
                g.writeStringField("key_base64", Base64.getEncoder().encodeToString(key));
            }
            if (value != null) {
                g.writeStringField("value_base64", Base64.getEncoder().encodeToString(value));
            }
            g.writeNumberField("rejected_at", rejectedAt);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads the JSON form back (for tools and tests). */
    public static DeadLetter fromJson(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String code = null;
            String reason = null;
            String topic = null;
            int partition = -1;
            long offset = -1;
            long timestamp = -1;
            long rejectedAt = -1;
            byte[] key = null;
            byte[] value = null;
            String f;
            while ((f = p.nextFieldName()) != null) {
                p.nextToken();
                switch (f) {
                    case "reason_code" -> code = p.getText();
                    case "reason" -> reason = p.getText();
                    case "topic" -> topic = p.getText();
                    case "partition" -> partition = p.getIntValue();
                    case "offset" -> offset = p.getLongValue();
                    case "timestamp" -> timestamp = p.getLongValue();
                    case "rejected_at" -> rejectedAt = p.getLongValue();
                    case "key_base64" -> key = Base64.getDecoder().decode(p.getText());
                    case "value_base64" -> value = Base64.getDecoder().decode(p.getText());
                    default -> p.skipChildren();
                }
            }
            return new DeadLetter(code, reason, topic, partition, offset, timestamp, key, value, rejectedAt);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a dead-letter record: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d && partition == d.partition && offset == d.offset
                && timestamp == d.timestamp && rejectedAt == d.rejectedAt && reasonCode.equals(d.reasonCode)
                && reason.equals(d.reason) && java.util.Objects.equals(topic, d.topic)
                && Arrays.equals(key, d.key) && Arrays.equals(value, d.value);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(reasonCode, topic, partition, offset);
    }

    @Override
    public String toString() {
        return "DeadLetter[" + reasonCode + ": " + reason + " @ " + topic + "/" + partition + "/" + offset + "]";
    }
}
