package io.mindstream.feature;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureStoreOptionsTest {

    private static String error(String url) {
        return assertThrows(IllegalArgumentException.class, () -> FeatureStoreOptions.parse(url)).getMessage();
    }

    @Test
    void hostPortAndDatabase() {
        FeatureStoreOptions o = FeatureStoreOptions.parse("redis://cache.internal:6380/3");
        assertEquals("cache.internal", o.host());
        assertEquals(6380, o.port());
        assertEquals(3, o.database());
        assertFalse(o.tls());
        assertEquals("redis://cache.internal:6380/3", o.describe());
    }

    @Test
    void defaults() {
        FeatureStoreOptions o = FeatureStoreOptions.parse("redis://localhost");
        assertEquals(6379, o.port());
        assertEquals(0, o.database());
        assertEquals("mind:interests:", o.keyPrefix());
        assertEquals("mind:interests:u1", o.key("u1"));
        assertEquals(Duration.ZERO, o.ttl());
        assertEquals(500, o.batchSize());
        assertEquals(4, o.maxInFlight());
        assertEquals(10_000, o.maxBuffered());
        assertEquals(Duration.ofMillis(100), o.maxTimeInBuffer());
        assertEquals(Duration.ofSeconds(10), o.commandTimeout());
        assertEquals(Duration.ofMinutes(5), o.retryTimeout());
        assertEquals("MINDSTREAM_REDIS_PASSWORD", o.passwordEnv());
    }

    @Test
    void queryParameters() {
        FeatureStoreOptions o = FeatureStoreOptions.parse(
                "redis://127.0.0.1:7000/1?key-prefix=feat%3Au%3A&ttl=P7D&batch-size=100&max-in-flight=2"
                        + "&max-buffered=1000&max-time-in-buffer=50&command-timeout=PT2S&retry-timeout=pt1m");
        assertEquals("feat:u:", o.keyPrefix());
        assertEquals(Duration.ofDays(7), o.ttl());
        assertEquals(100, o.batchSize());
        assertEquals(2, o.maxInFlight());
        assertEquals(1000, o.maxBuffered());
        assertEquals(Duration.ofMillis(50), o.maxTimeInBuffer());
        assertEquals(Duration.ofSeconds(2), o.commandTimeout());
        assertEquals(Duration.ofMinutes(1), o.retryTimeout());
    }

    @Test
    void tlsSchemeAndIpv6Host() {
        FeatureStoreOptions o = FeatureStoreOptions.parse("rediss://[::1]:6390?verify-peer=ca");
        assertTrue(o.tls());
        assertEquals("::1", o.host());
        assertEquals(FeatureStoreOptions.VerifyPeer.CA, o.verifyPeer());
        assertEquals("rediss://[::1]:6390/0", o.describe());
    }

    @Test
    void errorsNameTheOptionOrParameter() {
        assertTrue(error("").contains("--feature-store"));
        assertTrue(error("http://host:1").contains("redis://"));
        assertTrue(error("redis://:6379").contains("no host"));
        assertTrue(error("redis://h:6379/x").contains("database"));
        assertTrue(error("redis://h:6379/-1").contains("database"));
        assertTrue(error("redis://h?ttl=soon").contains("'ttl'"));
        assertTrue(error("redis://h?ttl=-PT1S").contains("'ttl'"));
        assertTrue(error("redis://h?batch-size=0").contains("'batch-size'"));
        assertTrue(error("redis://h?batch-size=ten").contains("'batch-size'"));
        assertTrue(error("redis://h?batch-size=600&max-buffered=500").contains("'max-buffered'"));
        assertTrue(error("redis://h?key-prefix=").contains("'key-prefix'"));
        assertTrue(error("redis://h?colour=red").contains("unknown parameter 'colour'"));
        assertTrue(error("redis://h?ttl=1&ttl=2").contains("twice"));
        assertTrue(error("redis://h?verify-peer=maybe").contains("'verify-peer'"));
        assertTrue(error("redis://h?password-env=A-B").contains("'password-env'"));
    }

    @Test
    void credentialsInTheUrlAreRejectedWithoutEchoingThem() {
        String message = error("redis://admin:s3cret@host:6379");
        assertTrue(message.contains("MINDSTREAM_REDIS_PASSWORD"), message);
        assertFalse(message.contains("s3cret"), message);
    }

    @Test
    void passwordComesFromTheNamedEnvironmentVariableAndIsNeverPrinted() {
        FeatureStoreOptions o = FeatureStoreOptions.parse("redis://h:1/2?password-env=MY_PW");
        RedisURI uri = RedisConnector.redisUri(o, Map.of("MY_PW", "hunter2")::get);
        assertArrayEquals("hunter2".toCharArray(), uri.getCredentialsProvider().resolveCredentials().block()
                .getPassword());
        assertEquals(2, uri.getDatabase());
        assertFalse(o.toString().contains("hunter2"));
        assertFalse(uri.toString().contains("hunter2"));

        RedisURI none = RedisConnector.redisUri(o, Map.<String, String>of()::get);
        assertNull(none.getCredentialsProvider().resolveCredentials().block().getPassword());
    }

    @Test
    void optionsSurviveJavaSerialization() throws Exception {
        FeatureStoreOptions o = FeatureStoreOptions.parse("redis://h:1/2?ttl=PT1H&key-prefix=x:");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(o, in.readObject());
        }
    }
}
