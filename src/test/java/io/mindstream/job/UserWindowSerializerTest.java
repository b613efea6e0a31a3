package io.mindstream.job;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, copies and the snapshot of the behaviour-window serializer. */
class UserWindowSerializerTest {

    private static final long T0 = 1_700_000_000_000L;
    private final UserWindowSerializer serializer = UserWindowSerializer.INSTANCE;

    /** The event ids of the test windows by key: the window keeps keys, the older formats wrote ids. */
    private static final Map<Long, String> IDS = new ConcurrentHashMap<>();

    /** Inserts a behaviour, remembering its event id for {@link #eventId}. */
    static void insert(UserWindow w, String item, long ts, String eventId, int capacity) {
        if (eventId != null) {
            IDS.put(UserWindow.eventKey(eventId), eventId);
        }
        w.insert(item, ts, eventId, capacity);
    }

    /** The event id of behaviour {@code i} of a window built with {@link #insert}, or null. */
    static String eventId(UserWindow w, int i) {
        long key = w.eventKey(i);
        if (key == UserWindow.NO_EVENT) {
            return null;
        }
        String id = IDS.get(key);
        if (id == null) {
            throw new IllegalStateException("behaviour " + i + " has an event id the test did not insert");
        }
        return id;
    }

    static UserWindow window(int n, boolean withEventIds) {
        UserWindow w = new UserWindow();
        for (int i = 0; i < n; i++) {
            insert(w, "item-" + (i * 7919 % 100_000), T0 + i * 30_000L, withEventIds ? "evt-" + i + "-abcdef" : null,
                    1000);
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
        assertEquals(UserWindow.NO_EVENT, back.eventKey(1), "no event id stays none");
        assertEquals(UserWindow.eventKey(""), back.eventKey(2), "an empty event id stays an id");
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
                    org.apache.flink.types.StringValue.writeString(eventId(w, i), out);
                }
            }
            assertEquals(w, read(out.getCopyOfBuffer()));
        }
    }

    /** {@code w} in format 2, as the release before resolved rows were kept wrote it. */
    static byte[] format2(UserWindow w) throws IOException {
        return withEventIds(w, false);
    }

    /** {@code w} in format 3, as the release before event-id keys wrote it (rows under the window's tag). */
    static byte[] format3(UserWindow w) throws IOException {
        return withEventIds(w, true);
    }

    private static byte[] withEventIds(UserWindow w, boolean rows) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeByte(rows ? UserWindowSerializer.FORMAT_EVENT_IDS : UserWindowSerializer.FORMAT_NO_ROWS);
        UserWindowSerializer.writeVarLong(out, w.updateSeq());
        UserWindowSerializer.writeVarLong(out, w.lastEventAt());
        UserWindowSerializer.writeVarLong(out, w.size());
        if (w.size() > 0) {
            out.writeLong(w.ts(0));
            long rowTag = w.commonRowTag();
            if (rows) {
                out.writeLong(rowTag);
            }
            for (int i = 0; i < w.size(); i++) {
                UserWindowSerializer.writeVarLong(out, w.ts(i) - (i == 0 ? w.ts(0) : w.ts(i - 1)));
                UserWindowSerializer.writeString(w.item(i), out);
                UserWindowSerializer.writeString(eventId(w, i), out);
                if (rows && rowTag != 0) {
                    UserWindowSerializer.writeVarLong(out, w.row(i) + 1L);
                }
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

    /** Format 3 (event ids, not keys): both readers compute the keys, and keep the rows. */
    @Test
    void readsValuesOfTheThirdFormat() throws IOException {
        io.mindstream.model.ItemIndex index = new io.mindstream.model.ItemIndex(new String[] {"item-0", "b", "c"});
        for (UserWindow w : new UserWindow[] {new UserWindow(), window(30, true), window(5, false), unicode()}) {
            for (int i = 0; i < w.size(); i++) {
                w.rowOf(i, index);
            }
            byte[] b = format3(w);
            assertEquals(UserWindowSerializer.FORMAT_EVENT_IDS, b[0]);
            for (UserWindow back : new UserWindow[] {read(b), fastRead(b)}) {
                assertEquals(w, back);
                assertEquals(w.commonRowTag(), back.commonRowTag());
                for (int i = 0; i < w.size(); i++) {
                    assertEquals(w.eventKey(i), back.eventKey(i));
                    assertEquals(w.row(i), back.row(i));
                    String id = eventId(w, i);
                    assertTrue(id == null || back.containsEvent(id), id);
                }
            }
            // and written back in the current format, smaller by the ids it no longer holds
            assertEquals(UserWindowSerializer.FORMAT, bytes(read(b))[0]);
        }
        assertTrue(bytes(window(100, true)).length < format3(window(100, true)).length);
    }

    @Test
    void corruptRowsAreErrors() throws IOException {
        UserWindow w = new UserWindow();
        byte[] id = "a".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        w.insert(id, 0, 1, T0, UserWindow.NO_EVENT, 5, 42L, 10);
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
                String event = r.nextInt(5) == 0 ? null : ("e" + r.nextLong()).substring(0, 1 + r.nextInt(10));
                if (event != null) {
                    IDS.put(UserWindow.eventKey(event), event);
                }
                w.insert(item, 0, item.length, T0 + r.nextInt(1_000_000), UserWindow.eventKey(event),
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
            assertEquals(w, fastRead(format3(w)), "format 3");
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
        insert(w, "商品-ü-🙂", T0, null, 10);
        insert(w, "b", T0, "", 10);
        insert(w, "c", T0 + 5, "é", 10);
        return w;
    }

    @Test
    void rejectsAnUnknownFormat() {
        assertThrows(IOException.class, () -> read(new byte[] {9, 0, 0, 0}));
    }

    @Test
    void stateBytesPerUser() throws IOException {
        // Typical ids: 6-10 character item ids, 15-character event ids, a click every 30 s.
        int withIds = bytes(window(100, true)).length;
        int withoutIds = bytes(window(100, false)).length;
        System.out.printf("UserWindow state: 100 behaviours with event ids = %d bytes, without = %d bytes%n",
                withIds, withoutIds);
        // ts deltas of 30 s take 3 bytes; item ids their length + 1, an event id's key 8 (none in the window: 0)
        assertTrue(withIds < 100 * (3 + 11 + 8) + 32, "compact encoding: " + withIds);
        assertTrue(withoutIds < 100 * (3 + 11) + 32, "compact encoding: " + withoutIds);
    }
}
