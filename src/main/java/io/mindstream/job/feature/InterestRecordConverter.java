package io.mindstream.job.feature;

import io.mindstream.feature.InterestRecord;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/** Turns an {@link InterestRecord} into its Redis write. */
public final class InterestRecordConverter implements ElementConverter<InterestRecord, RedisWriteEntry> {

    private static final long serialVersionUID = 1L;

    @Override
    public RedisWriteEntry apply(InterestRecord record, SinkWriter.Context context) {
        return RedisWriteEntry.of(record);
    }
}
