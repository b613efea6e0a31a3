package io.mindstream.feature;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.mindstream.testing.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compare-and-write script and the reader against a real redis-server. */
@Timeout(60)
class WriteScriptITCase {

    private static RedisServer redis;
    private static FeatureStoreOptions options;
    private static RedisConnector connector;
    private static StatefulRedisConnection<byte[], byte[]> connection;
    private static RedisCommands<byte[], byte[]> sync;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        options = FeatureStoreOptions.parse(redis.url(2) + "?key-prefix=t:");
        connector = RedisConnector.create(options, Map.of());
        connection = connector.connect();
        sync = connection.sync();
    }

    @AfterAll
    static void stopRedis() {
        try {
            if (connection != null) {
                connection.close();
            }
            if (connector != null) {
                connector.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @BeforeEach
    void flush() {
        sync.flushdb();
    }

    private static long write(String user, long seq, String model, long ttlMillis, float... v) {
        byte[][] keys = {bytes(options.key(user))};
        byte[][] args = {bytes(Long.toString(seq)), bytes(model), bytes("5"), bytes("4"), bytes("2"),
            bytes(Integer.toString(v.length / 2)), InterestsCodec.encode(v.length / 2, 2, v),
            bytes(Long.toString(ttlMillis)), bytes(user)};
        Long code = sync.evalsha(WriteScript.SHA1, ScriptOutputType.INTEGER, keys, args);
        return code;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String field(String user, String field) {
        byte[] v = sync.hget(bytes(options.key(user)), bytes(field));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    @Test
    void localDigestIsTheOneRedisComputes() {
        assertEquals(WriteScript.SHA1, sync.scriptLoad(WriteScript.SOURCE_BYTES));
    }

    @Test
    void evalshaOfAnUnknownScriptIsNoScript() {
        sync.scriptFlush();
        assertThrows(RedisNoScriptException.class, () -> write("u", 1, "m", 0, 1f, 2f));
        sync.scriptLoad(WriteScript.SOURCE_BYTES);
    }

    @Test
    void newerWritesApplyEqualAreDuplicatesOlderAreStale() {
        sync.scriptLoad(WriteScript.SOURCE_BYTES);
        assertEquals(WriteScript.APPLIED, write("u", 5, "m1", 0, 1f, 2f));
        assertEquals(WriteScript.DUPLICATE, write("u", 5, "m2", 0, 9f, 9f));
        assertEquals(WriteScript.STALE, write("u", 4, "m3", 0, 8f, 8f));
        assertEquals("m1", field("u", "model_version"));
        assertEquals(WriteScript.APPLIED, write("u", 6, "m4", 0, 3f, 4f));
        assertEquals("m4", field("u", "model_version"));
        assertEquals("6", field("u", "update_seq"));
    }

    @Test
    void sequenceComparisonIsExactAcrossDigitCountsAndBeyondDoublePrecision() {
        sync.scriptLoad(WriteScript.SOURCE_BYTES);
        assertEquals(WriteScript.APPLIED, write("u", 9, "a", 0));
        assertEquals(WriteScript.APPLIED, write("u", 10, "b", 0));
        assertEquals(WriteScript.STALE, write("u", 9, "c", 0));
        long big = (1L << 53) + 1;
        assertEquals(WriteScript.APPLIED, write("u", big - 1, "d", 0));
        // As doubles, 2^53 + 1 and 2^53 are the same number.
        assertEquals(WriteScript.APPLIED, write("u", big, "e", 0));
        assertEquals(WriteScript.STALE, write("u", big - 1, "f", 0));
        assertEquals(WriteScript.APPLIED, write("u", Long.MAX_VALUE, "g", 0));
        assertEquals(WriteScript.DUPLICATE, write("u", Long.MAX_VALUE, "h", 0));
        assertEquals("g", field("u", "model_version"));
    }

    @Test
    void ttlIsSetOnAppliedWritesAndRemovedWhenZero() {
        sync.scriptLoad(WriteScript.SOURCE_BYTES);
        write("u", 1, "m", 60_000, 1f, 2f);
        long pttl = sync.pttl(bytes(options.key("u")));
        assertTrue(pttl > 50_000 && pttl <= 60_000, "pttl " + pttl);
        write("u", 2, "m", 0, 1f, 2f);
        assertEquals(-1, sync.pttl(bytes(options.key("u"))));
    }

    @Test
    void readerDecodesWhatTheScriptWrote() {
        sync.scriptLoad(WriteScript.SOURCE_BYTES);
        float[] v = {0.25f, -0f, Float.MIN_VALUE, 3f};
        write("reader", 7, "m7", 0, v);
        try (FeatureStoreReader reader = FeatureStoreReader.open(options)) {
            StoredInterests s = reader.read("reader").orElseThrow();
            assertEquals("m7", s.modelVersion());
            assertEquals(7, s.updateSeq());
            assertEquals(5, s.updatedAt());
            assertEquals(4, s.eventTs());
            assertEquals(2, s.count());
            assertEquals(2, s.dim());
            assertArrayEquals(v, s.vectors());
            assertEquals(Optional.empty(), reader.read("nobody"));
        }
    }

    @Test
    void readerRejectsAForeignValueUnderTheKey() {
        sync.hset(bytes(options.key("foreign")), bytes("model_version"), bytes("x"));
        try (FeatureStoreReader reader = FeatureStoreReader.open(options)) {
            FeatureStoreException e = assertThrows(FeatureStoreException.class, () -> reader.read("foreign"));
            assertTrue(e.getMessage().contains("t:foreign"), e.getMessage());
        }
    }
}
