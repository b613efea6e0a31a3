package io.mindstream.job.feature;

import io.mindstream.event.InterestUpdate;
import io.mindstream.feature.InterestRecord;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/** Turns the job's {@link InterestUpdate} into the Redis write of the user's latest interests. */
public final class InterestUpdateConverter implements ElementConverter<InterestUpdate, RedisWriteEntry> {

    private static final long serialVersionUID = 1L;

    @Override
    public RedisWriteEntry apply(InterestUpdate u, SinkWriter.Context context) {
        return RedisWriteEntry.of(record(u));
    }

    /** The store's view of an update: the fields a reader needs, without the job's bookkeeping. */
    public static InterestRecord record(InterestUpdate u) {
        return new InterestRecord(u.userId(), u.modelVersion(), u.count(), u.dim(), u.vectors(), u.eventTs(),
                u.updateSeq(), u.updatedAt());
    }
}
