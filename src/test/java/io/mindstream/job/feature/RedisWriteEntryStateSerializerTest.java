package io.mindstream.job.feature;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import io.mindstream.feature.InterestRecord;

import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisWriteEntryStateSerializerTest {

    private static RedisWriteEntry entry(String user, long seq, float... v) {
        return RedisWriteEntry.of(new InterestRecord(user, "model-" + seq, v.length / 2, 2, v, 1_000 + seq, seq,
                2_000 + seq));
    }

    @Test
    void bufferedEntriesRoundTrip() throws IOException {
        List<RedisWriteEntry> entries = List.of(entry("ü-1", 1, 1f, 2f, Float.NaN, -0f), entry("u2", 0),
                entry("u3", Long.MAX_VALUE, 5f, 6f));
        BufferedRequestState<RedisWriteEntry> state = new BufferedRequestState<>(entries.stream()
                .map(e -> new RequestEntryWrapper<>(e, e.sizeInBytes())).toList());
        RedisWriteEntryStateSerializer serializer = new RedisWriteEntryStateSerializer();
        BufferedRequestState<RedisWriteEntry> back = serializer.deserialize(serializer.getVersion(),
                serializer.serialize(state));
        List<RedisWriteEntry> restored = back.getBufferedRequestEntries().stream()
                .map(RequestEntryWrapper::getRequestEntry).toList();
        assertEquals(entries, restored);
        assertEquals(state.getStateSize(), back.getStateSize());
    }

    @Test
    void corruptStateIsAnIoError() throws IOException {
        RedisWriteEntryStateSerializer serializer = new RedisWriteEntryStateSerializer();
        RedisWriteEntry e = entry("u", 3, 1f, 2f);
        byte[] bytes = serializer.serialize(new BufferedRequestState<>(
                List.of(new RequestEntryWrapper<>(e, e.sizeInBytes()))));
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        assertThrows(IOException.class, () -> serializer.deserialize(serializer.getVersion(), truncated));
    }

    @Test
    void onlyServerErrorsThatRetryingCannotFixAreFatal() {
        assertTrue(RedisSinkWriter.isFatal(new RedisCommandExecutionException(
                "ERR user_script:3: Script attempted to access nonexistent global variable")));
        assertTrue(RedisSinkWriter.isFatal(new RedisCommandExecutionException(
                "WRONGTYPE Operation against a key holding the wrong kind of value")));
        assertTrue(RedisSinkWriter.isFatal(new RedisCommandExecutionException("NOAUTH Authentication required.")));
        assertFalse(RedisSinkWriter.isFatal(new RedisNoScriptException("NOSCRIPT No matching script.")));
        assertFalse(RedisSinkWriter.isFatal(new RedisCommandExecutionException(
                "LOADING Redis is loading the dataset in memory")));
        assertFalse(RedisSinkWriter.isFatal(new RedisCommandExecutionException("BUSY Redis is busy running a script")));
        assertFalse(RedisSinkWriter.isFatal(new RedisCommandTimeoutException("Command timed out after 10 second(s)")));
        assertFalse(RedisSinkWriter.isFatal(new RedisConnectionException("Connection closed")));
    }

    @Test
    void entryRejectsInterestsOfTheWrongSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RedisWriteEntry("u", "m", 1, 0, 0, 2, 2, new byte[8]));
        assertTrue(e.getMessage().contains("user u"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new InterestRecord("u", "m", 1, 1, new float[1], 0, -1, 0));
    }
}
