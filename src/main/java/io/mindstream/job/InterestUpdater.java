package io.mindstream.job;

import io.mindstream.event.ClickEvent;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelMessage;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.Interests;
import io.mindstream.model.ItemIndex;
import io.mindstream.model.ItemSequence;
import io.mindstream.model.MindModel;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The heart of the job: keeps each user's behaviour window in keyed state and re-routes it with the current
 * model on every accepted event; installs models from the broadcast stream and, on a new version, recomputes
 * every user's interests.
 *
 * <p>Models: the broadcast state holds the current assembled model message (the whole payload, or only the
 * reference for payloads on a shared filesystem), so the model survives failover and rescaling; the decoded
 * {@link MindModel} is shared per JVM by {@link ModelLoader} and held here in a transient field. A message
 * with the current version is a no-op; one that does not decode or validate is rejected (log + metric) and the
 * current model stays.
 *
 * <p>Window state: a {@link WindowLog} per user (a snapshot of the window plus one small delta per event since,
 * compacted every {@link WindowLog#COMPACT_EVERY} events), so an event appends a few dozen bytes instead of
 * rewriting its whole window. State written by earlier versions (one {@link UserWindow} value per user, state
 * {@code behaviour-window}) is still read: a user's window moves to the log on the user's next event, and a model
 * refresh updates such users where they are. In front of the log sits a {@link WindowCache} of compact windows;
 * run by {@link InterestUpdaterOperator}, it is written back (a user's first event per checkpoint at once unless the
 * user was busy in the previous interval, the rest on eviction or before the checkpoint), otherwise every event
 * writes through.
 *
 * <p>State TTL: a user's state is dropped {@code stateTtl} after the user's last accepted event. The window
 * records that time; the check runs on the next event and on every model refresh (which would otherwise keep
 * inactive users alive forever, since a refresh writes state). In the background, one processing-time timer per
 * user (due at the last event plus the TTL, rounded up to 1/64 of the TTL so re-arming is idempotent) removes
 * users that neither act nor get refreshed; it re-arms itself when the user acted since it was set.
 */
public final class InterestUpdater extends KeyedBroadcastProcessFunction<String, ClickEvent, byte[], InterestUpdate> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(InterestUpdater.class);

    /** Broadcast state: {@link #CURRENT} -> the encoded assembled model message. */
    public static final MapStateDescriptor<String, byte[]> MODEL_STATE = new MapStateDescriptor<>(
            "current-model", StringSerializer.INSTANCE, BytePrimitiveArraySerializer.INSTANCE);
    static final String CURRENT = "current";

    private final int windowLength;
    private final long ttlMillis;
    private final boolean refreshOnModelChange;
    private final long windowCacheBytes;
    private final ValueStateDescriptor<UserWindow> legacyDescriptor;
    private final ListStateDescriptor<byte[]> logDescriptor;

    private transient ValueState<UserWindow> legacyWindow;
    private transient ListState<byte[]> log;
    private transient WindowLog codec;
    /** Compact windows of recently active users, in front of the log. */
    private transient WindowCache cache;
    /**
     * Switches the keyed state to another user, for writing back cached windows; set by
     * {@link InterestUpdaterOperator}. Without it (another operator runs this function) every event writes through.
     */
    private transient KeyContext keys;
    /** Counts the writes of every pending change (checkpoints): see {@link WindowCache.Entry#writtenInEpoch}. */
    private transient long epoch;
    /**
     * A window decoded from the log (on a cache miss, for the snapshot of a cached window with an unknown item, by
     * the background TTL, by the refresh), into reused arrays.
     */
    private transient UserWindow scratch;
    private transient InterestEncoder encoder;
    private transient MindModel model;
    /** The broadcast-state value last tried on restore; avoids retrying a failing restore on every event. */
    private transient byte[] restoreAttempted;

    private transient Counter eventsIn;
    private transient Counter updatesOut;
    private transient Counter duplicates;
    private transient Counter unknownItems;
    private transient Counter outsideWindow;
    private transient Counter expiredUsers;
    private transient Counter refreshes;
    private transient Counter refreshedUsers;
    private transient Counter rejectedModels;
    private transient Counter installedModels;
    private transient Counter cacheHits;
    private transient Counter cacheMisses;
    /** Writes of pending deltas to the log (one per user and write, whatever the number of deltas). */
    private transient Counter stateAppends;
    /** Writes of a snapshot replacing the log. */
    private transient Counter stateSnapshots;
    private transient Counter stateReadBacks;
    private transient Histogram routingNanos;
    private transient AtomicLong modelInstalledAt;

    /** An updater with the default window cache ({@link JobOptions#DEFAULT_WINDOW_CACHE_BYTES}). */
    public InterestUpdater(int windowLength, Duration stateTtl, boolean refreshOnModelChange) {
        this(windowLength, stateTtl, refreshOnModelChange, JobOptions.DEFAULT_WINDOW_CACHE_BYTES);
    }

    /**
     * @param windowLength         behaviours kept per user
     * @param stateTtl             inactivity after which a user's state is dropped; zero keeps it forever
     * @param refreshOnModelChange whether a newly installed model version recomputes every user
     * @param windowCacheBytes     heap for the compact windows of recently active users per subtask; 0 reads every
     *                             event's window from the state
     */
    public InterestUpdater(int windowLength, Duration stateTtl, boolean refreshOnModelChange, long windowCacheBytes) {
        if (windowLength < 1) {
            throw new IllegalArgumentException("windowLength must be positive, got " + windowLength);
        }
        if (windowCacheBytes < 0) {
            throw new IllegalArgumentException("windowCacheBytes must not be negative, got " + windowCacheBytes);
        }
        this.windowLength = windowLength;
        this.ttlMillis = stateTtl.toMillis();
        this.refreshOnModelChange = refreshOnModelChange;
        this.windowCacheBytes = windowCacheBytes;
        this.legacyDescriptor = legacyWindowDescriptor(stateTtl);
        this.logDescriptor = WindowLog.descriptor();
    }

    /**
     * The window state of earlier versions: one {@link UserWindow} value per user, with Flink's TTL as the
     * background clean-up. Still read, never written except by a model refresh of a user not yet moved to the log.
     */
    public static ValueStateDescriptor<UserWindow> legacyWindowDescriptor(Duration ttl) {
        ValueStateDescriptor<UserWindow> d = new ValueStateDescriptor<>("behaviour-window", UserWindowSerializer.INSTANCE);
        if (!ttl.isZero()) {
            d.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                    .updateTtlOnCreateAndWrite()
                    .neverReturnExpired()
                    .build());
        }
        return d;
    }

    @Override
    public void open(OpenContext openContext) {
        legacyWindow = getRuntimeContext().getState(legacyDescriptor);
        log = getRuntimeContext().getListState(logDescriptor);
        codec = new WindowLog();
        // write-back only where the operator can switch the keyed state to the evicted user (it sets keys first)
        cache = keys == null ? new WindowCache(windowCacheBytes, windowLength)
                : new WindowCache(windowCacheBytes, windowLength, this::writeBack);
        scratch = new UserWindow(windowLength + 1);
        encoder = new InterestEncoder();
        MetricGroup m = getRuntimeContext().getMetricGroup();
        eventsIn = m.counter("eventsIn");
        updatesOut = m.counter("updatesOut");
        duplicates = m.counter("duplicateEvents");
        unknownItems = m.counter("unknownItems");
        outsideWindow = m.counter("eventsOutsideWindow");
        expiredUsers = m.counter("expiredUsers");
        refreshes = m.counter("refreshes");
        refreshedUsers = m.counter("refreshedUsers");
        rejectedModels = m.counter("rejectedModels");
        installedModels = m.counter("installedModels");
        cacheHits = m.counter("windowCacheHits");
        cacheMisses = m.counter("windowCacheMisses");
        stateAppends = m.counter("windowStateAppends");
        stateSnapshots = m.counter("windowStateSnapshots");
        stateReadBacks = m.counter("windowStateReadBacks");
        m.gauge("windowCacheUsers", () -> cache.size());
        m.gauge("windowCacheBytes", () -> cache.bytes());
        m.gauge("windowCacheEvictions", () -> cache.evictions());
        routingNanos = m.histogram("routingTimeNanos", new DescriptiveStatisticsHistogram(1000));
        modelInstalledAt = new AtomicLong(-1);
        m.gauge("modelVersion", () -> model == null ? "" : model.version());
        m.gauge("modelInstalledAt", modelInstalledAt::get);
    }

    @Override
    public void processElement(ClickEvent event, ReadOnlyContext ctx, Collector<InterestUpdate> out) throws Exception {
        eventsIn.inc();
        if (model == null) {
            restoreModel(ctx.getBroadcastState(MODEL_STATE));
        }
        long now = ctx.timerService().currentProcessingTime();
        String user = ctx.getCurrentKey();
        ItemIndex index = model == null ? null : model.items();
        WindowCache.Entry cached = cache.get(user);
        // the user's whole window before this event, item ids included, once read: after a miss, or when a snapshot
        // of a window with an item the model does not know needs it
        UserWindow full = null;
        int deltas;
        boolean fresh = false;
        if (cached != null) {
            cacheHits.inc();
            deltas = cached.deltas;
        } else {
            cacheMisses.inc();
            cached = cache.take();
            full = scratch;
            deltas = codec.read(log.get(), full, windowLength);
            if (deltas < 0) {
                UserWindow legacy = legacyWindow.value();
                if (legacy != null) {
                    // written by an earlier version: from now on the user lives in the log
                    full.setFrom(legacy);
                    log.update(codec.snapshotList(full));
                    legacyWindow.clear();
                    scheduleCleanup(ctx.timerService(), full.lastEventAt());
                    deltas = 0;
                } else {
                    fresh = true;
                }
            }
            cached.window.setFrom(full, index);
        }
        CachedWindow w = cached.window;
        if (!fresh && expired(w, now)) {
            expiredUsers.inc();
            fresh = true;
        }
        if (fresh) {
            full = scratch;
            full.clear();
            w.clear();
        }
        byte[] eventId = event.eventId() == null ? null : event.eventId().getBytes(StandardCharsets.UTF_8);
        long key = eventId == null ? UserWindow.NO_EVENT : UserWindow.eventKey(eventId, 0, eventId.length);
        if (!fresh && w.containsEvent(key)) {
            duplicates.inc();
            cached.deltas = deltas;
            cache.store(user, cached); // unchanged, but now read
            return;
        }
        byte[] item = event.itemId().getBytes(StandardCharsets.UTF_8);
        int row = index == null ? -1 : index.rowOf(item, 0, item.length);
        long rowTag = index == null ? 0 : index.fingerprint();
        // a snapshot replaces the log: for a fresh user, and every COMPACT_EVERY deltas. A cached window whose items
        // the model knows is written from the cache and the model's ids; one with an unknown item (whose id only the
        // state has) is read back first.
        boolean snapshot = fresh || deltas >= WindowLog.COMPACT_EVERY;
        if (snapshot && full == null && (row < 0 || !w.allRowsKnown())) {
            full = fullWindow(user, cached);
            stateReadBacks.inc();
        }
        if (!w.insert(event.ts(), row, rowTag, key, windowLength)) {
            outsideWindow.inc();
        }
        w.setLastEventAt(now);
        if (model != null) {
            if (row < 0) {
                unknownItems.inc();
            }
            out.collect(update(user, w, w.nextUpdateSeq(), InterestUpdate.Cause.EVENT, event.eventId(), event.ts(),
                    now));
        }
        // A user's first event since the last checkpoint is written at once, the following ones wait for the next
        // checkpoint or the eviction: a user seen once per checkpoint costs what writing through costs and adds
        // nothing to the checkpoint's synchronous phase; a user seen n times costs two writes instead of n. A user
        // seen twice or more in the previous interval (busy) is most likely dirty at the next checkpoint anyway, so
        // its first event waits too: one write per interval.
        if (cached.activeEpoch != epoch) {
            cached.busy = cached.activeEpoch == epoch - 1 && cached.eventsInEpoch >= 2;
            cached.activeEpoch = epoch;
            cached.eventsInEpoch = 0;
        }
        cached.eventsInEpoch++;
        boolean writeNow = keys == null || !cache.enabled() || cached.writtenInEpoch != epoch && !cached.busy;
        cached.writtenInEpoch = epoch;
        if (snapshot) {
            byte[] snap;
            if (full != null) {
                full.insert(item, 0, item.length, event.ts(), key, row, rowTag, windowLength);
                full.setLastEventAt(now);
                full.setUpdateSeq(w.updateSeq());
                if (full.size() != w.size()) {
                    throw new IllegalStateException("the cached window of user " + user + " has " + w.size()
                            + " behaviours, the state's " + full.size());
                }
                snap = codec.snapshot(full);
            } else {
                snap = codec.snapshot(w, index);
                if (snap == null) {
                    throw new IllegalStateException("the cached window of user " + user + " has an item the model "
                            + "does not know after a check that it had none");
                }
            }
            // until it is written, later events are deltas after it
            cached.snapshotDue(snap);
            cached.deltas = 0;
            if (fresh) {
                scheduleCleanup(ctx.timerService(), now);
            }
        } else {
            WindowLog.appendDelta(cached.pending, item, event.ts(), eventId, w.updateSeq(), now, row, rowTag);
            cached.pendingCount++;
            cached.deltas = deltas + 1;
        }
        if (writeNow) {
            write(cached);
        }
        cache.store(user, cached);
    }

    /**
     * The whole window of a cached user before the current event, item ids included, in {@link #scratch}: the log, or
     * the snapshot waiting to replace it, with the entry's pending deltas replayed on it. Checked against the
     * cached window.
     */
    private UserWindow fullWindow(String user, WindowCache.Entry e) throws Exception {
        List<byte[]> entries = new ArrayList<>();
        if (e.pendingSnapshot != null) {
            entries.add(e.pendingSnapshot);
        } else {
            Iterable<byte[]> stored = log.get();
            if (stored != null) {
                stored.forEach(entries::add);
            }
        }
        if (e.pendingCount > 0) {
            entries.add(WindowLog.batchEntry(e.pending, e.pendingCount));
        }
        CachedWindow w = e.window;
        if (codec.read(entries, scratch, windowLength) < 0 || scratch.size() != w.size()
                || scratch.updateSeq() != w.updateSeq() || scratch.lastEventAt() != w.lastEventAt()) {
            throw new IllegalStateException("the cached window of user " + user + " (" + w.size() + " behaviours, "
                    + "update " + w.updateSeq() + ") is not the one in the state: " + scratch.size()
                    + " behaviours, update " + scratch.updateSeq());
        }
        return scratch;
    }

    /**
     * Writes what the state lacks of a cached window's events (the current key must be the entry's user): the
     * snapshot due, or the pending deltas as one entry.
     */
    private void write(WindowCache.Entry e) throws Exception {
        if (e.pendingSnapshot != null) {
            log.update(e.pendingCount == 0 ? List.of(e.pendingSnapshot)
                    : List.of(e.pendingSnapshot, WindowLog.batchEntry(e.pending, e.pendingCount)));
            stateSnapshots.inc();
        } else if (e.pendingCount > 0) {
            log.add(WindowLog.batchEntry(e.pending, e.pendingCount));
            stateAppends.inc();
        }
        e.clean();
    }

    /** Writes a dirty entry of another user than the current one, then switches the keyed state back. */
    private void writeBack(WindowCache.Entry e) {
        Object current = keys.getCurrentKey();
        keys.setCurrentKey(e.user);
        try {
            write(e);
        } catch (Exception ex) {
            throw new IllegalStateException("cannot write the window of user " + e.user + " to the state", ex);
        } finally {
            if (current != null) {
                keys.setCurrentKey(current);
            }
        }
    }

    /**
     * Writes every cached window's pending changes to the keyed state: before each checkpoint or savepoint (by
     * {@link InterestUpdaterOperator}) and before anything reads the state of all users. A no-op when writing
     * through.
     */
    void writePending() {
        if (keys != null) {
            cache.forEachDirty(this::writeBack);
            epoch++;
        }
    }

    /** The background TTL: drops the user if idle for the TTL, otherwise re-arms for the last event plus the TTL. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<InterestUpdate> out) throws Exception {
        String user = ctx.getCurrentKey();
        WindowCache.Entry cached = cache.peek(user);
        long lastEventAt;
        if (cached != null) {
            lastEventAt = cached.window.lastEventAt();
        } else {
            if (codec.read(log.get(), scratch, windowLength) < 0) {
                return;
            }
            lastEventAt = scratch.lastEventAt();
        }
        if (expired(lastEventAt, ctx.timerService().currentProcessingTime())) {
            expiredUsers.inc();
            log.clear();
            cache.remove(user);
        } else {
            scheduleCleanup(ctx.timerService(), lastEventAt);
        }
    }

    private void scheduleCleanup(TimerService timers, long lastEventAt) {
        if (ttlMillis <= 0) {
            return;
        }
        timers.registerProcessingTimeTimer(cleanupTime(lastEventAt, ttlMillis));
    }

    /**
     * When the background TTL looks at a user whose last event was at {@code lastEventAt}: that plus the TTL,
     * rounded up to 1/64 of the TTL, so that re-arming for nearby times lands on the same timer (Flink keeps one
     * timer per key and time).
     */
    public static long cleanupTime(long lastEventAt, long ttlMillis) {
        long granularity = Math.max(1, ttlMillis / 64);
        long due = lastEventAt + ttlMillis;
        return Math.floorDiv(due + granularity - 1, granularity) * granularity;
    }

    @Override
    public void processBroadcastElement(byte[] message, Context ctx, Collector<InterestUpdate> out) throws Exception {
        if (model == null) {
            restoreModel(ctx.getBroadcastState(MODEL_STATE));
        }
        ModelMessage m;
        MindModel loaded;
        try {
            m = ModelMessage.decode(message);
            if (model != null && model.version().equals(m.modelVersion())) {
                LOG.info("Model {} is already installed; ignoring its republication", m.modelVersion());
                return;
            }
            loaded = ModelLoader.load(m);
        } catch (Exception e) {
            rejectedModels.inc();
            LOG.warn("Rejected a model message: {}; keeping model {}", e.getMessage(),
                    model == null ? "(none)" : model.version());
            return;
        }
        String previous = model == null ? null : model.version();
        install(loaded);
        ctx.getBroadcastState(MODEL_STATE).put(CURRENT, message);
        LOG.info("Installed model {} (previous: {}) on subtask {}", loaded.version(), previous == null ? "none" : previous,
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        if (refreshOnModelChange) {
            refreshAll(ctx, out);
        }
    }

    private void refreshAll(Context ctx, Collector<InterestUpdate> out) throws Exception {
        long now = ctx.currentProcessingTime();
        long[] count = {0};
        // every user's snapshot and update counter change below: the cached windows would be stale
        writePending();
        cache.clear();
        UserWindow w = scratch;
        ctx.applyToKeyedState(logDescriptor, (user, state) -> {
            if (codec.read(state.get(), w, windowLength) < 0) {
                return;
            }
            if (expired(w, now)) {
                expiredUsers.inc();
                state.clear();
                return;
            }
            out.collect(update(user, w, w.nextUpdateSeq(), InterestUpdate.Cause.MODEL, null, w.newestTs(), now));
            state.update(codec.snapshotList(w));
            count[0]++;
        });
        // users written by an earlier version and not seen since: refreshed where they are
        ctx.applyToKeyedState(legacyDescriptor, (user, state) -> {
            UserWindow legacy = state.value();
            if (legacy == null) {
                return;
            }
            if (expired(legacy, now)) {
                expiredUsers.inc();
                state.clear();
                return;
            }
            out.collect(update(user, legacy, legacy.nextUpdateSeq(), InterestUpdate.Cause.MODEL, null,
                    legacy.newestTs(), now));
            state.update(legacy);
            count[0]++;
        });
        refreshes.inc();
        refreshedUsers.inc(count[0]);
        LOG.info("Refreshed {} users under model {}", count[0], model.version());
    }

    /** The user's update with sequence number {@code seq}, routed over {@code items}. */
    private InterestUpdate update(String user, ItemSequence items, long seq, InterestUpdate.Cause cause,
                                  String eventId, long eventTs, long now) {
        long start = System.nanoTime();
        Interests r = encoder.encode(model, user, items);
        routingNanos.update(System.nanoTime() - start);
        updatesOut.inc();
        return new InterestUpdate(user, model.version(), r.count(), r.dim(), r.toFlatArray(), cause, eventId, eventTs,
                r.sequenceLength(), r.unknownItems(), seq, now);
    }

    private boolean expired(UserWindow w, long now) {
        return expired(w.lastEventAt(), now);
    }

    private boolean expired(CachedWindow w, long now) {
        return expired(w.lastEventAt(), now);
    }

    private boolean expired(long lastEventAt, long now) {
        return ttlMillis > 0 && now - lastEventAt >= ttlMillis;
    }

    /** After a restore the broadcast state holds the model but the transient field does not. */
    private void restoreModel(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        byte[] stored = state.get(CURRENT);
        if (stored == null || stored == restoreAttempted) {
            return;
        }
        restoreAttempted = stored;
        try {
            install(ModelLoader.load(ModelMessage.decode(stored)));
            LOG.info("Restored model {} from state", model.version());
        } catch (Exception e) {
            rejectedModels.inc();
            LOG.error("Cannot restore the model from state: {}; waiting for a new model", e.getMessage());
        }
    }

    private void install(MindModel m) {
        boolean newVocabulary = model == null || model.items().fingerprint() != m.items().fingerprint();
        model = m;
        if (newVocabulary && cache != null) {
            // the cached windows' rows hold under the old vocabulary: read them again from the state's ids
            writePending();
            cache.clear();
        }
        installedModels.inc();
        modelInstalledAt.set(System.currentTimeMillis());
        if (m.routing().maxSequenceLength() > windowLength) {
            LOG.warn("Model {} routes over up to {} behaviours but --window-length keeps only {} per user",
                    m.version(), m.routing().maxSequenceLength(), windowLength);
        }
    }

    /** Lets the updater write cached windows back: {@code keys} switches the keyed state between users. */
    void writeBackThrough(KeyContext keys) {
        this.keys = keys;
    }

    /** Writes to the window log so far (appends and snapshots), for tests. */
    long stateWrites() {
        return stateAppends.getCount() + stateSnapshots.getCount();
    }

    /** Reads of a cached user's log for a snapshot (its window held an unknown item), for tests. */
    long stateReadBacks() {
        return stateReadBacks.getCount();
    }

    /** The window cache, for tests. */
    WindowCache windowCache() {
        return cache;
    }

    /** The current model, for tests. */
    MindModel model() {
        return model;
    }
}
