package io.mindstream.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON encoding of an update. Floats are written as the shortest decimal that parses back to the identical
 * float32 (Jackson's Schubfach writer; Java 17's {@code Float.toString} also round-trips but is slower and
 * sometimes longer), so no precision is lost in the text form.
 */
public final class JsonInterestCodec implements InterestCodec {

    /** Jackson's fast writer is Schubfach: the shortest decimal that reads back as the same float32. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    @Override
    public byte[] encode(InterestUpdate u) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + u.vectors().length * 12);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("user_id", u.userId());
            g.writeStringField("model_version", u.modelVersion());
            g.writeArrayFieldStart("interests");
            float[] v = u.vectors();
            int d = u.dim();
            for (int j = 0; j < u.count(); j++) {
                g.writeStartArray();
                for (int c = 0; c < d; c++) {
                    g.writeNumber(v[j * d + c]);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            if (u.eventId() != null) {
                g.writeStringField("event_id", u.eventId());
            }
            g.writeNumberField("event_ts", u.eventTs());
            g.writeNumberField("sequence_length", u.sequenceLength());
            g.writeNumberField("unknown_items", u.unknownItems());
            g.writeNumberField("update_seq", u.updateSeq());
            g.writeNumberField("updated_at", u.updatedAt());
            g.writeStringField("cause", u.cause().name().toLowerCase(java.util.Locale.ROOT));
            g.writeNumberField("dim", d);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public InterestUpdate decode(byte[] bytes) {
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String user = null;
            String version = null;
            String eventId = null;
            String cause = null;
            long eventTs = 0;
            long seq = 0;
            long updatedAt = 0;
            int n = 0;
            int unknown = 0;
            int dim = -1;
            java.util.List<float[]> rows = new java.util.ArrayList<>();
            String f;
            while ((f = p.nextFieldName()) != null) {
                p.nextToken();
                switch (f) {
                    case "user_id" -> user = p.getText();
                    case "model_version" -> version = p.getText();
                    case "event_id" -> eventId = p.getText();
                    case "cause" -> cause = p.getText();
                    case "event_ts" -> eventTs = p.getLongValue();
                    case "sequence_length" -> n = p.getIntValue();
                    case "unknown_items" -> unknown = p.getIntValue();
                    case "update_seq" -> seq = p.getLongValue();
                    case "updated_at" -> updatedAt = p.getLongValue();
                    case "dim" -> dim = p.getIntValue();
                    case "interests" -> {
                        while (p.nextToken() == JsonToken.START_ARRAY) {
                            java.util.List<Float> row = new java.util.ArrayList<>();
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                row.add(Float.parseFloat(p.getText()));
                            }
                            float[] r = new float[row.size()];
                            for (int i = 0; i < r.length; i++) {
                                r[i] = row.get(i);
                            }
                            rows.add(r);
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (user == null || version == null || cause == null || dim < 0) {
                throw new IllegalArgumentException("an interest update needs user_id, model_version, cause and dim");
            }
            float[] flat = new float[rows.size() * dim];
            for (int j = 0; j < rows.size(); j++) {
                if (rows.get(j).length != dim) {
                    throw new IllegalArgumentException("interest " + j + " has " + rows.get(j).length
                            + " components, dim is " + dim);
                }
                System.arraycopy(rows.get(j), 0, flat, j * dim, dim);
            }
            return new InterestUpdate(user, version, rows.size(), dim, flat,
                    InterestUpdate.Cause.valueOf(cause.toUpperCase(java.util.Locale.ROOT)), eventId, eventTs, n,
                    unknown, seq, updatedAt);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON interest update: " + e.getMessage(), e);
        }
    }
}
