package io.mindstream.job;

import io.mindstream.event.InterestUpdate;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;

/**
 * Flink's serializer of the job's output records. The reflective record serializer it replaces built a copy of
 * every update (a constructor call through reflection and a copy of its K x d floats) on its way from the updater
 * to the sinks chained to it; an update is immutable (nobody writes to its vectors after it is built), so here a
 * copy is the update itself. Between tasks it writes the fields in order, the vectors as raw floats.
 */
public final class InterestUpdateSerializer extends TypeSerializerSingleton<InterestUpdate> {

    private static final long serialVersionUID = 1L;

    public static final InterestUpdateSerializer INSTANCE = new InterestUpdateSerializer();

    /** The type information that gives this serializer, for the updater's output stream. */
    public static final TypeInformation<InterestUpdate> TYPE = new Info();

    private static final InterestUpdate.Cause[] CAUSES = InterestUpdate.Cause.values();

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public InterestUpdate createInstance() {
        return new InterestUpdate("", "", 0, 0, new float[0], InterestUpdate.Cause.EVENT, null, 0, 0, 0, 0, 0);
    }

    @Override
    public InterestUpdate copy(InterestUpdate from) {
        return from;
    }

    @Override
    public InterestUpdate copy(InterestUpdate from, InterestUpdate reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(InterestUpdate u, DataOutputView out) throws IOException {
        StringValue.writeString(u.userId(), out);
        StringValue.writeString(u.modelVersion(), out);
        out.writeInt(u.count());
        out.writeInt(u.dim());
        for (float f : u.vectors()) {
            out.writeFloat(f);
        }
        out.writeByte(u.cause().ordinal());
        StringValue.writeString(u.eventId(), out); // null-safe
        out.writeLong(u.eventTs());
        out.writeInt(u.sequenceLength());
        out.writeInt(u.unknownItems());
        out.writeLong(u.updateSeq());
        out.writeLong(u.updatedAt());
    }

    @Override
    public InterestUpdate deserialize(DataInputView in) throws IOException {
        String user = StringValue.readString(in);
        String version = StringValue.readString(in);
        int count = in.readInt();
        int dim = in.readInt();
        if (count < 0 || dim < 0 || (long) count * dim > Integer.MAX_VALUE / 4) {
            throw new IOException("corrupt interest update: " + count + " x " + dim + " floats");
        }
        float[] vectors = new float[count * dim];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = in.readFloat();
        }
        int cause = in.readUnsignedByte();
        if (cause >= CAUSES.length) {
            throw new IOException("corrupt interest update: cause " + cause);
        }
        String eventId = StringValue.readString(in);
        return new InterestUpdate(user, version, count, dim, vectors, CAUSES[cause], eventId, in.readLong(),
                in.readInt(), in.readInt(), in.readLong(), in.readLong());
    }

    @Override
    public InterestUpdate deserialize(InterestUpdate reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<InterestUpdate> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration; its snapshot only names it. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<InterestUpdate> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    private static final class Info extends TypeInformation<InterestUpdate> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<InterestUpdate> getTypeClass() {
            return InterestUpdate.class;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<InterestUpdate> createSerializer(SerializerConfig config) {
            return INSTANCE;
        }

        @Override
        public String toString() {
            return "InterestUpdate";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Info;
        }

        @Override
        public int hashCode() {
            return InterestUpdate.class.hashCode();
        }

        @Override
        public boolean canEqual(Object o) {
            return o instanceof Info;
        }
    }
}
