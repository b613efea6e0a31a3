package io.mindstream.job;

import io.mindstream.event.ModelAssembler;
import io.mindstream.event.ModelMessage;
import io.mindstream.event.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Reassembles the weights topic into complete, checksum-verified model messages (a single chunk with the whole
 * payload, or a reference). Runs with parallelism 1, like the one-partition topic it reads, so the topic
 * order is the rollout order. The chunks of incomplete payloads are checkpointed, so a failover between two
 * chunks of one model does not lose the model.
 */
public final class AssembleModels extends ProcessFunction<RawRecord, byte[]> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AssembleModels.class);

    private final long maxPayloadBytes;
    private transient ModelAssembler assembler;
    private transient ListState<byte[]> pendingState;
    private transient Counter rejected;
    private transient Counter assembled;

    public AssembleModels(long maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        pendingState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("pending-model-chunks", BytePrimitiveArraySerializer.INSTANCE));
        assembler = newAssembler();
        if (context.isRestored()) {
            for (byte[] chunk : pendingState.get()) {
                assembler.accept(chunk);
            }
        }
    }

    private ModelAssembler newAssembler() {
        int maxChunks = (int) Math.min(Integer.MAX_VALUE, Math.max(ModelAssembler.DEFAULT_MAX_CHUNKS,
                maxPayloadBytes / (64 * 1024)));
        return new ModelAssembler(maxPayloadBytes, maxChunks, ModelAssembler.DEFAULT_MAX_PENDING);
    }

    @Override
    public void open(OpenContext openContext) {
        rejected = getRuntimeContext().getMetricGroup().counter("rejectedModels");
        assembled = getRuntimeContext().getMetricGroup().counter("assembledModels");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<byte[]> out) {
        ModelAssembler.Outcome outcome = assembler.accept(raw.value());
        for (String reason : outcome.rejections()) {
            rejected.inc();
            LOG.warn("Rejected model data at {}/{} offset {}: {}", raw.topic(), raw.partition(), raw.offset(), reason);
        }
        ModelMessage complete = outcome.complete();
        if (complete != null) {
            assembled.inc();
            LOG.info("Received model {} ({} bytes, sha256 {}) from {}/{} offset {}", complete.modelVersion(),
                    complete.payloadBytes(), complete.sha256Hex(), raw.topic(), raw.partition(), raw.offset());
            out.collect(complete.encode());
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<byte[]> chunks = assembler == null ? List.of() : assembler.pendingMessages();
        pendingState.update(new ArrayList<>(chunks));
    }
}
