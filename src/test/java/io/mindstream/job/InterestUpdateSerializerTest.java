package io.mindstream.job;

import io.mindstream.event.InterestUpdate;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The output records' serializer: every field between tasks, no copy within a chain, corrupt bytes refused. */
class InterestUpdateSerializerTest {

    private static final InterestUpdateSerializer S = InterestUpdateSerializer.INSTANCE;

    private static List<InterestUpdate> updates() {
        float[] v = new float[2 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i) * 1e-3f * (i % 2 == 0 ? 1 : -1);
        }
        v[5] = Float.MIN_VALUE;
        return List.of(
                new InterestUpdate("user-1", "v1", 2, 3, v, InterestUpdate.Cause.EVENT, "e-42", 1_700_000_000_123L,
                        7, 1, 12, 1_700_000_000_999L),
                new InterestUpdate("utilisateur-é", "v2", 0, 64, new float[0], InterestUpdate.Cause.MODEL, null, -5,
                        0, 3, Long.MAX_VALUE, 0));
    }

    private static byte[] write(InterestUpdate u) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        S.serialize(u, out);
        return out.getCopyOfBuffer();
    }

    private static void assertSameUpdate(InterestUpdate expected, InterestUpdate actual) {
        assertEquals(expected.userId(), actual.userId());
        assertEquals(expected.modelVersion(), actual.modelVersion());
        assertEquals(expected.count(), actual.count());
        assertEquals(expected.dim(), actual.dim());
        assertArrayEquals(expected.vectors(), actual.vectors());
        assertEquals(expected.cause(), actual.cause());
        assertEquals(expected.eventId(), actual.eventId());
        assertEquals(expected.eventTs(), actual.eventTs());
        assertEquals(expected.sequenceLength(), actual.sequenceLength());
        assertEquals(expected.unknownItems(), actual.unknownItems());
        assertEquals(expected.updateSeq(), actual.updateSeq());
        assertEquals(expected.updatedAt(), actual.updatedAt());
    }

    @Test
    void everyFieldSurvivesTheWireAndStreamCopies() throws IOException {
        for (InterestUpdate u : updates()) {
            byte[] bytes = write(u);
            assertSameUpdate(u, S.deserialize(new DataInputDeserializer(bytes)));
            assertSameUpdate(u, S.deserialize(S.createInstance(), new DataInputDeserializer(bytes)));
            DataOutputSerializer copied = new DataOutputSerializer(64);
            S.copy(new DataInputDeserializer(bytes), copied);
            assertArrayEquals(bytes, copied.getCopyOfBuffer());
        }
    }

    @Test
    void withinAChainAnUpdateIsPassedOnNotCopied() {
        InterestUpdate u = updates().get(0);
        assertTrue(S.isImmutableType());
        assertSame(u, S.copy(u));
        assertSame(u, S.copy(u, S.createInstance()));
        assertSame(S, InterestUpdateSerializer.TYPE.createSerializer(null));
        assertEquals(InterestUpdate.class, InterestUpdateSerializer.TYPE.getTypeClass());
    }

    @Test
    void corruptBytesAreRefused() throws IOException {
        byte[] bytes = write(updates().get(0));
        // count is the int after the two strings ("user-1" and "v1" with their one-byte lengths)
        byte[] negative = bytes.clone();
        negative[10] = (byte) 0x80;
        assertThrows(IOException.class, () -> S.deserialize(new DataInputDeserializer(negative)));
        // the cause byte follows the six floats
        byte[] cause = bytes.clone();
        cause[10 + 8 + 24] = 9;
        assertThrows(IOException.class, () -> S.deserialize(new DataInputDeserializer(cause)));
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        assertThrows(IOException.class, () -> S.deserialize(new DataInputDeserializer(truncated)));
    }

    @Test
    void itsSnapshotRestoresTheSameSerializer() throws IOException {
        TypeSerializerSnapshot<InterestUpdate> snapshot = S.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(16);
        snapshot.writeSnapshot(out);
        TypeSerializerSnapshot<InterestUpdate> read = new InterestUpdateSerializer.Snapshot();
        read.readSnapshot(snapshot.getCurrentVersion(), new DataInputDeserializer(out.getCopyOfBuffer()),
                getClass().getClassLoader());
        assertSame(S, read.restoreSerializer());
        TypeSerializerSchemaCompatibility<InterestUpdate> c = S.snapshotConfiguration()
                .resolveSchemaCompatibility(read);
        assertTrue(c.isCompatibleAsIs());
    }
}
