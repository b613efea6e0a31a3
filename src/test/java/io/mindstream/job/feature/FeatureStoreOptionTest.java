package io.mindstream.job.feature;

import io.mindstream.event.InterestUpdate;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.InterestRecord;
import io.mindstream.job.JobOptions;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job's --feature-store option and the mapping of its updates to Redis writes. */
class FeatureStoreOptionTest {

    private static final String[] REQUIRED = {"--bootstrap-servers", "h:1", "--clicks-topic", "c",
        "--interests-topic", "i", "--weights-topic", "w", "--dead-letter-topic", "d"};

    private static String[] with(String... more) {
        String[] all = java.util.Arrays.copyOf(REQUIRED, REQUIRED.length + more.length);
        System.arraycopy(more, 0, all, REQUIRED.length, more.length);
        return all;
    }

    @Test
    void withoutTheOptionTheJobWritesNoFeatureStore() {
        assertTrue(JobOptions.fromArgs(REQUIRED).featureStoreOptions().isEmpty());
    }

    @Test
    void theOptionIsParsedOnceWithItsParameters() {
        FeatureStoreOptions o = JobOptions.fromArgs(with("--feature-store", "redis://cache:6380/2?ttl=P7D"))
                .featureStoreOptions().orElseThrow();
        assertEquals("cache", o.host());
        assertEquals(6380, o.port());
        assertEquals(2, o.database());
        assertEquals(Duration.ofDays(7), o.ttl());
    }

    @Test
    void aBadUrlIsRejectedWhenTheOptionsAreReadNamingTheFlagAndParameter() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> JobOptions.fromArgs(with("--feature-store", "redis://cache?batch-size=0"))).getMessage();
        assertTrue(message.contains("--feature-store") && message.contains("'batch-size'"), message);
    }

    @Test
    void anUpdateBecomesTheRecordOfItsUser() {
        float[] v = {1f, -0f, 3.5f, Float.MIN_VALUE};
        InterestUpdate u = new InterestUpdate("u1", "m3", 2, 2, v, InterestUpdate.Cause.EVENT, "e9", 1_000L, 7, 1,
                42L, 2_000L);
        InterestRecord r = InterestUpdateConverter.record(u);
        assertEquals(new InterestRecord("u1", "m3", 2, 2, v, 1_000L, 42L, 2_000L), r);
        RedisWriteEntry e = new InterestUpdateConverter().apply(u, null);
        assertEquals(42L, e.updateSeq());
        assertArrayEquals(RedisWriteEntry.of(r).interests(), e.interests());
    }
}
