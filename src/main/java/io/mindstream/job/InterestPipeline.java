package io.mindstream.job;

import io.mindstream.event.ClickEvent;
import io.mindstream.event.DeadLetter;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.RawRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The topology, built from whatever sources and sinks it is given, so production and tests run the same graph:
 * <pre>
 *   clicks -> parse (invalid -> dead letters) -> keyBy(user_id) ----------+
 *                                                                          +-> InterestUpdater -> interests
 *   weights -> assemble + verify (parallelism 1) -> broadcast ------------+
 * </pre>
 * Operators carry stable uids so savepoints survive changes to the code around them.
 */
public final class InterestPipeline {

    public static final String CLICKS_SOURCE_UID = "clicks-source";
    public static final String WEIGHTS_SOURCE_UID = "weights-source";
    public static final String PARSE_UID = "parse-clicks";
    public static final String ASSEMBLE_UID = "assemble-models";
    public static final String UPDATER_UID = "interest-updater";
    public static final String INTERESTS_SINK_UID = "interests-sink";
    public static final String DEAD_LETTER_SINK_UID = "dead-letter-sink";
    public static final String FEATURE_STORE_SINK_UID = "feature-store-sink";

    /** The two output streams of the pipeline. */
    public record Outputs(DataStream<InterestUpdate> interests, DataStream<DeadLetter> deadLetters) {
    }

    private InterestPipeline() {
    }

    /** Reads from the given sources, writes to the given sinks. */
    public static void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> clickSource,
                             Source<RawRecord, ?, ?> weightsSource, Sink<InterestUpdate> interestSink,
                             Sink<DeadLetter> deadLetterSink, JobOptions options) {
        build(env, clickSource, weightsSource, interestSink, deadLetterSink, null, options);
    }

    /** As above, and the interest updates also go to {@code featureStoreSink} when it is not null. */
    public static void build(StreamExecutionEnvironment env, Source<RawRecord, ?, ?> clickSource,
                             Source<RawRecord, ?, ?> weightsSource, Sink<InterestUpdate> interestSink,
                             Sink<DeadLetter> deadLetterSink, Sink<InterestUpdate> featureStoreSink,
                             JobOptions options) {
        DataStream<RawRecord> clicks = env.fromSource(clickSource, WatermarkStrategy.noWatermarks(), "clicks")
                .uid(CLICKS_SOURCE_UID);
        DataStream<RawRecord> weights = env.fromSource(weightsSource, WatermarkStrategy.noWatermarks(), "weights")
                .setParallelism(1)
                .uid(WEIGHTS_SOURCE_UID);
        Outputs out = build(clicks, weights, options);
        out.interests().sinkTo(interestSink).name("interests").uid(INTERESTS_SINK_UID);
        out.deadLetters().sinkTo(deadLetterSink).name("dead letters").uid(DEAD_LETTER_SINK_UID);
        if (featureStoreSink != null) {
            out.interests().sinkTo(featureStoreSink).name("feature store").uid(FEATURE_STORE_SINK_UID);
        }
    }

    /** The topology between raw records and the output streams. */
    public static Outputs build(DataStream<RawRecord> clicks, DataStream<RawRecord> weights, JobOptions options) {
        SingleOutputStreamOperator<ClickEvent> events = clicks
                .process(new ParseClicks(options.parser()), TypeInformation.of(ClickEvent.class))
                .name("parse clicks")
                .uid(PARSE_UID);
        // broadcast partitioning into the updater's own keyed-broadcast operator (the broadcast state is declared
        // by the operator), which writes its window cache back to the keyed state
        DataStream<byte[]> models = weights
                .process(new AssembleModels(options.maxModelBytes()), PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .setParallelism(1)
                .name("assemble models")
                .uid(ASSEMBLE_UID)
                .broadcast();
        DataStream<InterestUpdate> interests = events
                .keyBy(ClickEvent::userId, Types.STRING)
                .connect(models)
                .transform("update interests", InterestUpdateSerializer.TYPE,
                        new InterestUpdaterOperator(new InterestUpdater(options.windowLength(), options.stateTtl(),
                                options.refreshOnModelChange(), options.windowCacheBytes())))
                .uid(UPDATER_UID);
        return new Outputs(interests, events.getSideOutput(ParseClicks.DEAD_LETTERS));
    }
}
