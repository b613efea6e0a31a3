package io.mindstream.cli;

import io.mindstream.event.ModelAssembler;
import io.mindstream.event.ModelMessage;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import io.mindstream.testing.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --publish} and the periodic mode against a real broker: what lands reassembles into the bundle. */
class TrainPublishITCase {

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void publishesOnceAndPeriodically(@TempDir Path dir) throws Exception {
        SplittableRandom rnd = new SplittableRandom(9);
        List<String> lines = new ArrayList<>();
        for (int u = 0; u < 200; u++) {
            StringBuilder sb = new StringBuilder(String.valueOf(u));
            int topic = rnd.nextInt(5);
            for (int i = 0; i < 10; i++) {
                sb.append(' ').append(topic * 20 + rnd.nextInt(20));
            }
            lines.add(sb.toString());
        }
        Path input = dir.resolve("seq.txt");
        Files.write(input, lines);
        String topic = KafkaBroker.uniqueTopic("weights");
        KAFKA.createTopic(topic, 1);
        Path bundle = dir.resolve("bundle");
        String[] common = {"--input", input.toString(), "--format", "s3rec", "--output", bundle.toString(),
            "--dim", "8", "--interests", "2", "--max-len", "8", "--batch", "16", "--iterations", "40",
            "--no-baselines", "--threads", "1", "--publish", "--bootstrap-servers", KAFKA.bootstrapServers(),
            "--weights-topic", topic, "--chunk-bytes", "4096"};

        assertEquals(0, run(common));
        MindModel once = ModelBundle.read(bundle);
        List<String> periodic = new ArrayList<>(List.of(common));
        periodic.addAll(List.of("--every", "PT1S", "--rounds", "2", "--gate-tolerance", "0.99"));
        assertEquals(0, run(periodic.toArray(new String[0])));
        MindModel last = ModelBundle.read(bundle);
        assertTrue(last.version().compareTo(once.version()) > 0);

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.readUntil(topic, false, Duration.ofSeconds(60),
                r -> complete(r).size() >= 3);
        List<ModelMessage> models = complete(records);
        assertEquals(3, models.size(), "one model from the single run and two from the periodic rounds");
        ModelMessage.Chunk first = assertInstanceOf(ModelMessage.Chunk.class, models.get(0));
        assertEquals(once.version(), first.modelVersion());
        ModelMessage.Chunk third = assertInstanceOf(ModelMessage.Chunk.class, models.get(2));
        assertEquals(last.version(), third.modelVersion());
        assertArrayEquals(ModelBundle.toPayload(last), third.data());
    }

    private static List<ModelMessage> complete(List<ConsumerRecord<byte[], byte[]>> records) {
        ModelAssembler assembler = new ModelAssembler();
        List<ModelMessage> done = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ModelAssembler.Outcome o = assembler.accept(r.value());
            if (o.complete() != null) {
                done.add(o.complete());
            }
        }
        return done;
    }

    private static int run(String... args) {
        CommandLine cl = MindStreamCli.configure(new CommandLine(new TrainCommand()));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute(args);
        if (code != 0) {
            System.err.println(err);
        }
        return code;
    }
}
