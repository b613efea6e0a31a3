package io.mindstream.cli;

import io.mindstream.event.ModelAssembler;
import io.mindstream.event.ModelMessage;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.KafkaBroker;
import io.mindstream.testing.TestModels;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** {@code publish} against a real broker: what lands on the weights topic reassembles into the bundle. */
class PublishCommandITCase {

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void publishesInlineChunksAndReferences(@TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("weights");
        KAFKA.createTopic(topic, 1);
        MindModel model = TestModels.model("v-publish", 300, 16, 4, 10, 3);
        Path bundle = dir.resolve("bundle");
        ModelBundle.write(model, bundle);
        byte[] payload = ModelBundle.toPayload(model);

        int code = MindStreamCli.configure(new CommandLine(new PublishCommand())).execute("--model", bundle.toString(),
                "--bootstrap-servers", KAFKA.bootstrapServers(), "--weights-topic", topic, "--chunk-bytes", "4096");
        assertEquals(0, code);
        int chunks = (payload.length + 4095) / 4096;
        Path file = dir.resolve("store").resolve("v-publish.mindb");
        Files.createDirectories(file.getParent());
        code = MindStreamCli.configure(new CommandLine(new PublishCommand())).execute("--model", bundle.toString(),
                "--bootstrap-servers", KAFKA.bootstrapServers(), "--weights-topic", topic,
                "--payload-file", file.toString());
        assertEquals(0, code);

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.readUntil(topic, false, Duration.ofSeconds(30),
                r -> r.size() >= chunks + 1);
        assertEquals(chunks + 1, records.size());
        ModelAssembler assembler = new ModelAssembler();
        List<ModelMessage> complete = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertEquals("v-publish", new String(r.key(), StandardCharsets.UTF_8));
            ModelAssembler.Outcome o = assembler.accept(r.value());
            assertEquals(List.of(), o.rejections());
            if (o.complete() != null) {
                complete.add(o.complete());
            }
        }
        assertEquals(2, complete.size());
        assertArrayEquals(payload, assertInstanceOf(ModelMessage.Chunk.class, complete.get(0)).data());
        ModelMessage.Reference ref = assertInstanceOf(ModelMessage.Reference.class, complete.get(1));
        assertEquals(file.toAbsolutePath().toUri().toString(), ref.uri());
        assertArrayEquals(payload, Files.readAllBytes(file));
        assertEquals(payload.length, ref.payloadBytes());
    }

    @Test
    void rejectsADirectoryThatIsNotABundle(@TempDir Path dir) {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = MindStreamCli.configure(new CommandLine(new PublishCommand()));
        cl.setErr(new java.io.PrintWriter(err));
        int code = cl.execute("--model", dir.toString(), "--bootstrap-servers", "127.0.0.1:1", "--weights-topic", "w");
        assertEquals(1, code);
        org.junit.jupiter.api.Assertions.assertTrue(err.toString().contains("is missing config.json"), err.toString());
    }
}
