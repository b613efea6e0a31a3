package io.mindstream.job;

import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;

/** Every behaviour of {@link InterestUpdaterTest} again on RocksDB, the production state backend. */
class InterestUpdaterRocksDbTest extends InterestUpdaterTest {

    @Override
    StateBackend stateBackend() {
        return new EmbeddedRocksDBStateBackend();
    }
}
