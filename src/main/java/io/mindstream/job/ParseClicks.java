package io.mindstream.job;

import io.mindstream.event.ClickEvent;
import io.mindstream.event.ClickEventParser;
import io.mindstream.event.DeadLetter;
import io.mindstream.event.InvalidEventException;
import io.mindstream.event.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Parses raw click records; anything invalid goes to the dead-letter side output with its reason. */
public final class ParseClicks extends ProcessFunction<RawRecord, ClickEvent> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {
    };

    private final ClickEventParser parser;
    private transient Counter eventsIn;
    private transient Counter deadLetters;

    public ParseClicks(ClickEventParser parser) {
        this.parser = parser;
    }

    @Override
    public void open(OpenContext openContext) {
        var metrics = getRuntimeContext().getMetricGroup();
        eventsIn = metrics.counter("recordsIn");
        deadLetters = metrics.counter("deadLetters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<ClickEvent> out) {
        eventsIn.inc();
        try {
            out.collect(parser.parse(raw.value()));
        } catch (InvalidEventException e) {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, DeadLetter.of(raw, e, ctx.timerService().currentProcessingTime()));
        }
    }
}
