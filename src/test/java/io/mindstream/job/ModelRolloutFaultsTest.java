package io.mindstream.job;

import io.mindstream.event.ClickEvent;
import io.mindstream.event.InterestUpdate;
import io.mindstream.event.ModelAssembler;
import io.mindstream.event.ModelMessage;
import io.mindstream.event.ModelPublisher;
import io.mindstream.event.RawRecord;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.TestModels;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model rollout faults end to end through the two operators that handle the weights topic: {@link AssembleModels}
 * (chunks to a verified model message, its pending chunks checkpointed) and {@link InterestUpdater} (install or
 * reject). Unit-level rejections (checksums, shapes, NaN weights, interleaving, truncation) are in
 * ModelAssemblerTest, ModelBundleTest and InterestUpdaterTest; this test adds the operator-level promises: a
 * failover in the middle of a large chunked model, and references that cannot be resolved, with the previous
 * model kept and no exception escaping (an exception would fail the task and, replayed from the weights topic,
 * fail it again: a restart loop).
 */
class ModelRolloutFaultsTest {

    private static final long T0 = 1_700_000_000_000L;
    /** Kafka's default max.message.bytes (1 MiB + record overhead). */
    private static final int KAFKA_DEFAULT_MESSAGE_LIMIT = 1_048_588;

    private static OneInputStreamOperatorTestHarness<RawRecord, byte[]> assembler(OperatorSubtaskState restore)
            throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(
                new AssembleModels(ModelAssembler.DEFAULT_MAX_PAYLOAD_BYTES)));
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    private static KeyedBroadcastOperatorTestHarness<String, ClickEvent, byte[], InterestUpdate> updater(
            OperatorSubtaskState restore) throws Exception {
        var h = new KeyedBroadcastOperatorTestHarness<>(
                new InterestUpdaterOperator(new InterestUpdater(20, Duration.ofHours(1), true)),
                ClickEvent::userId, Types.STRING, 1, 1, 0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        h.setProcessingTime(T0);
        h.setStateTtlProcessingTime(T0);
        return h;
    }

    private static List<InterestUpdate> drain(KeyedBroadcastOperatorTestHarness<?, ?, ?, InterestUpdate> h) {
        List<InterestUpdate> out = h.extractOutputValues();
        h.getOutput().clear();
        return out;
    }

    private static float[] expected(MindModel m, String user, String... items) {
        return new InterestEncoder().encode(m, user, items, items.length).toFlatArray();
    }

    @Test
    @Timeout(120)
    void aModelFarLargerThanTheMessageLimitIsChunkedAndSurvivesAFailoverBetweenChunks() throws Exception {
        // 40,000 items x d = 32: a payload of about 5.5 MB, five times Kafka's default message limit
        MindModel big = TestModels.model("big", 40_000, 32, 4, 10, 7);
        byte[] payload = ModelBundle.toPayload(big);
        assertTrue(payload.length > 5 * KAFKA_DEFAULT_MESSAGE_LIMIT, "payload " + payload.length);
        List<byte[]> messages = new ArrayList<>();
        for (ModelMessage.Chunk c : ModelMessage.chunk("big", payload, ModelPublisher.DEFAULT_CHUNK_BYTES)) {
            byte[] m = c.encode();
            assertTrue(m.length < KAFKA_DEFAULT_MESSAGE_LIMIT, "every message fits the broker's limit: " + m.length);
            messages.add(m);
        }
        assertTrue(messages.size() >= 6, messages.size() + " chunks");
        Collections.shuffle(messages, new Random(3));

        var asm = assembler(null);
        int half = messages.size() / 2;
        for (int i = 0; i < half; i++) {
            asm.processElement(RawRecord.of(messages.get(i)), 0);
        }
        OperatorSubtaskState checkpoint = asm.snapshot(1, 0);
        // the crash: chunks processed after the checkpoint are lost with the task and replayed from Kafka
        asm.processElement(RawRecord.of(messages.get(half)), 0);
        asm.close();

        asm = assembler(checkpoint);
        for (int i = half; i < messages.size(); i++) {
            asm.processElement(RawRecord.of(messages.get(i)), 0);
        }
        // a republish of an already assembled chunk (the producer retried) completes nothing new
        asm.processElement(RawRecord.of(messages.get(0)), 0);
        List<byte[]> assembled = asm.extractOutputValues();
        asm.close();
        assertEquals(1, assembled.size(), "the model is assembled exactly once");

        var upd = updater(null);
        try {
            upd.processElement(new ClickEvent("u1", "i7", T0, "e1", null, null), T0);
            upd.processBroadcastElement(assembled.get(0), T0);
            List<InterestUpdate> out = drain(upd);
            assertEquals(1, out.size());
            assertEquals("big", out.get(0).modelVersion());
            assertArrayEquals(expected(big, "u1", "i7"), out.get(0).vectors());
        } finally {
            upd.close();
        }
    }

    @Test
    @Timeout(60)
    void referencesThatDoNotResolveAreRejectedAndThePreviousModelIsKeptAcrossRestarts() throws Exception {
        MindModel v1 = TestModels.model("v1", 20, 1);
        MindModel v2 = TestModels.model("v2", 20, 2);
        byte[] payload = ModelBundle.toPayload(v2);
        byte[] sha = ModelMessage.sha256(payload);
        String[] unresolvable = {
            "nosuchscheme://bucket/v2.mindb",          // no filesystem for the scheme
            "s3://mind-models/v2.mindb",               // no S3 plugin installed in this JVM
            "hdfs://namenode.invalid:8020/v2.mindb",   // no Hadoop on the classpath
            "http://models.invalid/v2.mindb",          // Flink has no http filesystem
            "file:///nonexistent-dir/v2.mindb",        // the file is missing
            "file:///",                                // a directory, not a file
            "::not a uri::",                           // unparseable
        };
        var upd = updater(null);
        OperatorSubtaskState snapshot;
        try {
            upd.processBroadcastElement(TestModels.assembledMessage(v1), T0);
            upd.processElement(new ClickEvent("u1", "i1", T0, "e1", null, null), T0);
            drain(upd);
            for (String uri : unresolvable) {
                byte[] ref = new ModelMessage.Reference("v2", sha, payload.length, uri).encode();
                long start = System.nanoTime();
                assertDoesNotThrow(() -> upd.processBroadcastElement(ref, T0), uri);
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ms < 10_000, uri + " took " + ms + " ms to reject");
                assertTrue(drain(upd).isEmpty(), uri + ": no refresh, the model did not change");
            }
            upd.processElement(new ClickEvent("u1", "i2", T0 + 1, "e2", null, null), T0);
            List<InterestUpdate> out = drain(upd);
            assertEquals(1, out.size());
            assertEquals("v1", out.get(0).modelVersion());
            snapshot = upd.snapshot(1, T0);
        } finally {
            upd.close();
        }
        // after a failover the restored model is v1, not one of the rejected references: nothing to retry
        var restored = updater(snapshot);
        try {
            restored.processElement(new ClickEvent("u1", "i3", T0 + 2, "e3", null, null), T0);
            List<InterestUpdate> out = drain(restored);
            assertEquals(1, out.size());
            assertEquals("v1", out.get(0).modelVersion());
            assertArrayEquals(expected(v1, "u1", "i1", "i2", "i3"), out.get(0).vectors());
            // and a model that does resolve still installs after all those rejections
            restored.processBroadcastElement(TestModels.assembledMessage(v2), T0);
            assertTrue(drain(restored).stream().allMatch(u -> u.modelVersion().equals("v2")));
        } finally {
            restored.close();
        }
    }

    @Test
    @Timeout(60)
    void aChunkThatWasNotAssembledAndAModelOfAnotherShapeAreHandled() throws Exception {
        MindModel v1 = TestModels.model("v1", 20, 1);
        // another embedding width and K: a valid model, installed, every user re-routed to the new shape
        MindModel wide = TestModels.model("wide", 30, 16, 5, 5, 9);
        byte[] widePayload = ModelBundle.toPayload(wide);
        var upd = updater(null);
        try {
            upd.processBroadcastElement(TestModels.assembledMessage(v1), T0);
            upd.processElement(new ClickEvent("u1", "i1", T0, "e1", null, null), T0);
            drain(upd);
            // the first piece of a chunked model, bypassing assembly: rejected, not installed half-way
            byte[] piece = ModelMessage.chunk("wide", widePayload, widePayload.length / 3).get(0).encode();
            assertDoesNotThrow(() -> upd.processBroadcastElement(piece, T0));
            assertTrue(drain(upd).isEmpty());
            upd.processBroadcastElement(TestModels.assembledMessage(wide), T0);
            List<InterestUpdate> refresh = drain(upd);
            assertEquals(1, refresh.size());
            assertEquals("wide", refresh.get(0).modelVersion());
            assertEquals(16, refresh.get(0).dim());
            assertArrayEquals(expected(wide, "u1", "i1"), refresh.get(0).vectors());
        } finally {
            upd.close();
        }
    }
}
