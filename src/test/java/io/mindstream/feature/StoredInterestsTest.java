package io.mindstream.feature;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StoredInterestsTest {

    @Test
    void jsonLineCarriesFieldsAndFloatsThatParseBackToTheSameFloat32() throws Exception {
        float[] v = {0.1f, -1f / 3f, 1e-45f, 3.4028235e38f, -0f, 7f};
        StoredInterests s = new StoredInterests("u\"1", "m-7", 12, 1_700_000_000_123L, 1_700_000_000_000L, 2, 3, v);
        String json = s.toJson();
        assertEquals(-1, json.indexOf('\n'));
        JsonNode node = new ObjectMapper().readTree(json);
        assertEquals("u\"1", node.get("user_id").asText());
        assertEquals("m-7", node.get("model_version").asText());
        assertEquals(1_700_000_000_000L, node.get("event_ts").asLong());
        assertEquals(1_700_000_000_123L, node.get("updated_at").asLong());
        assertEquals(12, node.get("update_seq").asLong());
        JsonNode interests = node.get("interests");
        assertEquals(2, interests.size());
        for (int j = 0; j < 2; j++) {
            assertEquals(3, interests.get(j).size());
            for (int i = 0; i < 3; i++) {
                float parsed = Float.parseFloat(interests.get(j).get(i).asText());
                assertEquals(Float.floatToIntBits(v[j * 3 + i]), Float.floatToIntBits(parsed), "[" + j + "][" + i + "]");
            }
        }
    }

    @Test
    void emptyInterestsAreAnEmptyArray() throws Exception {
        String json = new StoredInterests("u", "m", 1, 2, 3, 0, 0, new float[0]).toJson();
        assertEquals(0, new ObjectMapper().readTree(json).get("interests").size());
    }
}
