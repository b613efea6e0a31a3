package io.mindstream.event;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Writes click events in the schema {@link ClickEventParser} reads (docs/EVENTS.md), for producers and tools. */
public final class ClickJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    private ClickJson() {
    }

    /**
     * @param eventId  null to leave it out
     * @param category null to leave it out
     */
    public static byte[] write(String userId, String itemId, long ts, String eventId, String category) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("user_id", userId);
            g.writeStringField("item_id", itemId);
            g.writeNumberField("ts", ts);
            if (eventId != null) {
                g.writeStringField("event_id", eventId);
            }
            if (category != null) {
                g.writeStringField("category", category);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
