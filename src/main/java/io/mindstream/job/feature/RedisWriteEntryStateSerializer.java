package io.mindstream.job.feature;

import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Checkpoints the writes still buffered in a sink writer, explicitly (no Java serialization, no Kryo).
 *
 * <p>Version 1, per entry: user_id and model_version as int length + UTF-8, update_seq, updated_at, event_ts as
 * longs, count and dim as ints, the encoded interests as int length + bytes.
 */
public final class RedisWriteEntryStateSerializer extends AsyncSinkWriterStateSerializer<RedisWriteEntry> {

    private static final int VERSION = 1;
    private static final int MAX_STRING_BYTES = 1 << 20;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    protected void serializeRequestToStream(RedisWriteEntry e, DataOutputStream out) throws IOException {
        writeString(out, e.userId());
        writeString(out, e.modelVersion());
        out.writeLong(e.updateSeq());
        out.writeLong(e.updatedAt());
        out.writeLong(e.eventTs());
        out.writeInt(e.count());
        out.writeInt(e.dim());
        out.writeInt(e.interests().length);
        out.write(e.interests());
    }

    @Override
    protected RedisWriteEntry deserializeRequestFromStream(long requestSize, DataInputStream in) throws IOException {
        String userId = readString(in);
        String modelVersion = readString(in);
        long updateSeq = in.readLong();
        long updatedAt = in.readLong();
        long eventTs = in.readLong();
        int count = in.readInt();
        int dim = in.readInt();
        int length = in.readInt();
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IOException("corrupt Redis sink state: interests length " + length);
        }
        byte[] interests = new byte[length];
        in.readFully(interests);
        try {
            return new RedisWriteEntry(userId, modelVersion, updateSeq, updatedAt, eventTs, count, dim, interests);
        } catch (IllegalArgumentException e) {
            throw new IOException("corrupt Redis sink state: " + e.getMessage(), e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING_BYTES) {
            throw new IOException("corrupt Redis sink state: string length " + length);
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
