package io.mindstream.job;

import io.mindstream.event.ClickEvent;
import io.mindstream.event.InterestUpdate;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;

import java.util.List;

/**
 * The operator that runs {@link InterestUpdater}: Flink's keyed-broadcast operator, plus what a function cannot do
 * on its own, switching the keyed state to another user. With it the updater's window cache writes back: an
 * event changes only the cached window, and the cached changes reach the keyed state when a window is evicted and,
 * for all of them, in {@link #snapshotState} before the state backend takes its snapshot. Every checkpoint and
 * savepoint therefore holds every event before its barrier, as with one state write per event, at one write per
 * active user per checkpoint.
 *
 * <p>The broadcast state, the timers and the function's contract are those of {@link CoBroadcastWithKeyedOperator};
 * savepoints of either operator restore into the other.
 */
public final class InterestUpdaterOperator
        extends CoBroadcastWithKeyedOperator<String, ClickEvent, byte[], InterestUpdate> {

    private static final long serialVersionUID = 1L;

    public InterestUpdaterOperator(InterestUpdater updater) {
        super(updater, List.of(InterestUpdater.MODEL_STATE));
    }

    @Override
    public void open() throws Exception {
        // before the function opens: it builds its window cache for write-back only when it can switch keys
        updater().writeBackThrough(this);
        super.open();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        // called before the keyed state backend snapshots (StreamOperatorStateHandler): the cached changes go in
        updater().writePending();
        super.snapshotState(context);
    }

    private InterestUpdater updater() {
        return (InterestUpdater) userFunction;
    }
}
