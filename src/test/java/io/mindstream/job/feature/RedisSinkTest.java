package io.mindstream.job.feature;

import io.mindstream.feature.FeatureStoreOptions;

import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.connector.base.sink.writer.strategy.BasicRequestInfo;
import org.apache.flink.connector.base.sink.writer.strategy.BasicResultInfo;
import org.apache.flink.connector.base.sink.writer.strategy.RateLimitingStrategy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisSinkTest {

    @Test
    void thePipelineStartsAtFullDepth() {
        RateLimitingStrategy limit = RedisSink.rateLimiting(10, 3);
        assertEquals(30, limit.getMaxBatchSize());
        for (int i = 0; i < 3; i++) {
            assertFalse(limit.shouldBlock(new BasicRequestInfo(10)), "batch " + i);
            limit.registerInFlightRequest(new BasicRequestInfo(10));
        }
        assertTrue(limit.shouldBlock(new BasicRequestInfo(10)), "a fourth batch exceeds max-in-flight");
    }

    @Test
    void failedWritesHalveTheDepthAndAnsweredBatchesRestoreIt() {
        RateLimitingStrategy limit = RedisSink.rateLimiting(10, 4);
        limit.registerInFlightRequest(new BasicRequestInfo(10));
        limit.registerCompletedRequest(new BasicResultInfo(10, 10));
        assertEquals(20, limit.getMaxBatchSize());
        limit.registerInFlightRequest(new BasicRequestInfo(10));
        limit.registerCompletedRequest(new BasicResultInfo(0, 10));
        assertEquals(30, limit.getMaxBatchSize());
    }

    @Test
    void optionsBecomeTheFrameworksSettings() {
        FeatureStoreOptions options = FeatureStoreOptions.parse(
                "redis://h:1/0?batch-size=7&max-in-flight=2&max-buffered=70&max-time-in-buffer=PT0.25S"
                        + "&max-record-bytes=4096&command-timeout=PT3S");
        AsyncSinkWriterConfiguration c = RedisSink.forInterestRecords(options).writerConfiguration();
        assertEquals(7, c.getMaxBatchSize());
        assertEquals(2, c.getMaxInFlightRequests());
        assertEquals(70, c.getMaxBufferedRequests());
        assertEquals(250, c.getMaxTimeInBufferMS());
        assertEquals(4096, c.getMaxRecordSizeInBytes());
        assertTrue(c.getMaxBatchSizeInBytes() >= 7 * 4096L);
        assertTrue(c.getRequestTimeoutMS() > 3_000, "the framework's deadline must lie beyond the client's");
        assertFalse(c.isFailOnTimeout());
        assertEquals(14, c.getRateLimitingStrategy().getMaxBatchSize());
    }
}
