package io.mindstream.job;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, copies and the snapshot of the behaviour-window serializer. */
class UserWindowSerializerTest {

    private static final long T0 = 1_700_000_000_000L;
    private final UserWindowSerializer serializer = UserWindowSerializer.INSTANCE;

    static UserWindow window(int n, boolean withEventIds) {
        UserWindow w = new UserWindow();
        for (int i = 0; i < n; i++) {
            w.insert("item-" + (i * 7919 % 100_000), T0 + i * 30_000L, withEventIds ? "evt-" + i + "-abcdef" : null, 1000);
        }
        for (int i = 0; i < n; i++) {
            w.nextUpdateSeq();
        }
        w.setLastEventAt(T0 + n * 30_000L);
        return w;
    }

    private byte[] bytes(UserWindow w) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(w, out);
        return out.getCopyOfBuffer();
    }

    private UserWindow read(byte[] b) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(b);
        UserWindow w = serializer.deserialize(in);
        assertEquals(0, in.available(), "every byte consumed");
        return w;
    }

    @Test
    void roundTripsEmptyAndFullWindows() throws IOException {
        for (UserWindow w : new UserWindow[] {new UserWindow(), window(1, true), window(100, true), window(50, false)}) {
            assertEquals(w, read(bytes(w)));
        }
    }

    @Test
    void roundTripsUnicodeIdsNullEventIdsAndEqualOrDistantTimestamps() throws IOException {
        UserWindow w = new UserWindow();
        w.insert("商品-ü-🙂", T0, null, 10);
        w.insert("b", T0, "", 10);
        w.insert("c", Long.MAX_VALUE / 2, "x", 10);
        w.insert("d", 0, "y", 10);
        UserWindow back = read(bytes(w));
        assertEquals(w, back);
        assertEquals("d", back.item(0));
        assertEquals(null, back.eventId(1), "null event id stays null");
        assertEquals("", back.eventId(2), "empty event id stays empty");
    }

    @Test
    void copyIsDeepAndDuplicateIsStateless() {
        UserWindow w = window(5, true);
        UserWindow c = serializer.copy(w);
        assertEquals(w, c);
        assertNotSame(w, c);
        c.insert("new", T0 + 1_000_000, "n", 100);
        assertEquals(5, w.size());
        assertSame(serializer, serializer.duplicate());
    }

    @Test
    void copyBetweenViewsPreservesBytes() throws IOException {
        byte[] b = bytes(window(20, true));
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(b), out);
        assertEquals(java.util.Arrays.toString(b), java.util.Arrays.toString(out.getCopyOfBuffer()));
    }

    @Test
    void snapshotRestoresACompatibleSerializer() throws IOException {
        TypeSerializerSnapshot<UserWindow> snapshot = serializer.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<UserWindow> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        TypeSerializer<UserWindow> again = restored.restoreSerializer();
        assertEquals(serializer, again);
        TypeSerializerSchemaCompatibility<UserWindow> compat =
                serializer.snapshotConfiguration().resolveSchemaCompatibility(restored);
        assertTrue(compat.isCompatibleAsIs());
        assertEquals(window(10, true), again.deserialize(new DataInputDeserializer(bytes(window(10, true)))));
    }

    @Test
    void readsValuesOfTheFirstFormat() throws IOException {
        // format 1, as the first release wrote it: StringValue-encoded ids
        for (UserWindow w : new UserWindow[] {new UserWindow(), window(30, true), window(5, false), unicode()}) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            out.writeByte(UserWindowSerializer.FORMAT_STRING_VALUE);
            UserWindowSerializer.writeVarLong(out, w.updateSeq());
            UserWindowSerializer.writeVarLong(out, w.lastEventAt());
            UserWindowSerializer.writeVarLong(out, w.size());
            if (w.size() > 0) {
                out.writeLong(w.ts(0));
                for (int i = 0; i < w.size(); i++) {
                    UserWindowSerializer.writeVarLong(out, w.ts(i) - (i == 0 ? w.ts(0) : w.ts(i - 1)));
                    org.apache.flink.types.StringValue.writeString(w.item(i), out);
                    org.apache.flink.types.StringValue.writeString(w.eventId(i), out);
                }
            }
            assertEquals(w, read(out.getCopyOfBuffer()));
        }
    }

    /** {@code w} in format 2, as the release before resolved rows were kept wrote it. */
    static byte[] format2(UserWindow w) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeByte(UserWindowSerializer.FORMAT_NO_ROWS);
        UserWindowSerializer.writeVarLong(out, w.updateSeq());
        UserWindowSerializer.writeVarLong(out, w.lastEventAt());
        UserWindowSerializer.writeVarLong(out, w.size());
        if (w.size() > 0) {
            out.writeLong(w.ts(0));
            for (int i = 0; i < w.size(); i++) {
                UserWindowSerializer.writeVarLong(out, w.ts(i) - (i == 0 ? w.ts(0) : w.ts(i - 1)));
                UserWindowSerializer.writeString(w.item(i), out);
                UserWindowSerializer.writeString(w.eventId(i), out);
            }
        }
        return out.getCopyOfBuffer();
    }

    @Test
    void readsValuesOfTheSecondFormat() throws IOException {
        for (UserWindow w : new UserWindow[] {new UserWindow(), window(30, true), window(5, false), unicode()}) {
            assertEquals(w, read(format2(w)));
        }
    }

    @Test
    void corruptRowsAreErrors() throws IOException {
        UserWindow w = new UserWindow();
        byte[] id = "a".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        w.insert(id, 0, 1, T0, null, 0, -1, 5, 42L, 10);
        byte[] b = bytes(w);
        // the row is the last varint: 6; make it a varint that never ends
        b[b.length - 1] = (byte) 0x86;
        assertThrows(IOException.class, () -> read(b));
    }

    private UserWindow fastRead(byte[] b) throws IOException {
        UserWindow w = new UserWindow();
        serializer.readInto(b, w);
        return w;
    }

    @Test
    void theByteArrayReaderOfThePerEventPathAgreesWithTheSerializer() throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int n = 0; n < 300; n++) {
            UserWindow w = new UserWindow();
            long tag = r.nextBoolean() ? 0 : r.nextLong() | 1;
            int size = r.nextInt(120);
            for (int i = 0; i < size; i++) {
                byte[] item = ("it" + r.nextInt(1_000_000) + (r.nextInt(9) == 0 ? "ü商" : "")).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8);
                byte[] event = r.nextInt(5) == 0 ? null : ("e" + r.nextLong()).substring(0, 1 + r.nextInt(10))
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                w.insert(item, 0, item.length, T0 + r.nextInt(1_000_000), event, 0, event == null ? -1 : event.length,
                        r.nextInt(300_000) - 1, tag, 100);
            }
            w.setUpdateSeq(r.nextLong() >>> 1);
            w.setLastEventAt(T0 + n);
            byte[] b = bytes(w);
            UserWindow viaSerializer = read(b);
            UserWindow viaArray = fastRead(b);
            assertEquals(viaSerializer, viaArray);
            assertEquals(w, viaArray);
            assertEquals(viaSerializer.commonRowTag(), viaArray.commonRowTag());
            assertEquals(w.commonRowTag(), viaArray.commonRowTag());
            for (int i = 0; i < w.size() && w.commonRowTag() != 0; i++) {
                assertEquals(w.row(i), viaArray.row(i));
                assertEquals(w.row(i), viaSerializer.row(i));
            }
            assertEquals(w, fastRead(format2(w)), "format 2");
        }
        // format 1 takes the serializer's path
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeByte(UserWindowSerializer.FORMAT_STRING_VALUE);
        UserWindowSerializer.writeVarLong(out, 3);
        UserWindowSerializer.writeVarLong(out, T0);
        UserWindowSerializer.writeVarLong(out, 0);
        assertEquals(3, fastRead(out.getCopyOfBuffer()).updateSeq());
    }

    @Test
    void corruptBytesAreIoErrorsOnBothReaders() throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        byte[] good = bytes(window(40, true));
        for (int n = 0; n < 5_000; n++) {
            byte[] b = r.nextBoolean() ? java.util.Arrays.copyOf(good, r.nextInt(good.length)) : good.clone();
            for (int k = 1 + r.nextInt(3); k > 0 && b.length > 1; k--) {
                b[1 + r.nextInt(b.length - 1)] = (byte) r.nextInt(256);
            }
            for (int reader = 0; reader < 2; reader++) {
                try {
                    if (reader == 0) {
                        fastRead(b);
                    } else {
                        serializer.deserialize(new DataInputDeserializer(b));
                    }
                } catch (IOException expected) {
                    // the only way a corrupt value may fail
                }
            }
        }
    }

    private static UserWindow unicode() {
        UserWindow w = new UserWindow();
        w.insert("商品-ü-🙂", T0, null, 10);
        w.insert("b", T0, "", 10);
        w.insert("c", T0 + 5, "é", 10);
        return w;
    }

    @Test
    void rejectsAnUnknownFormat() {
        assertThrows(IOException.class, () -> read(new byte[] {9, 0, 0, 0}));
    }

    @Test
    void stateBytesPerUser() throws IOException {
        // Typical ids: 6-10 character item ids, 20-character event ids, a click every 30 s.
        int withIds = bytes(window(100, true)).length;
        int withoutIds = bytes(window(100, false)).length;
        System.out.printf("UserWindow state: 100 behaviours with event ids = %d bytes, without = %d bytes%n",
                withIds, withoutIds);
        // ts deltas of 30 s take 3 bytes; ids their length + 1
        assertTrue(withIds < 100 * (3 + 11 + 17) + 32, "compact encoding: " + withIds);
        assertTrue(withoutIds < 100 * (3 + 11 + 1) + 32, "compact encoding: " + withoutIds);
    }
}
