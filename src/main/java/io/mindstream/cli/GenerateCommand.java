package io.mindstream.cli;

import io.mindstream.demo.Pacer;
import io.mindstream.demo.SyntheticWorld;
import io.mindstream.event.ClickJson;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code generate}: synthetic click traffic with planted interests into a Kafka topic, at a fixed rate. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sends synthetic click events to a Kafka topic at a fixed rate.",
            "Users mix 1-5 item clusters with Zipf popularity; events carry the current time; runs until",
            "--duration or Ctrl-C."})
public class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT,...", description = "Kafka brokers.")
    String bootstrapServers;

    @Option(names = "--clicks-topic", required = true, paramLabel = "TOPIC", description = "Topic to send to.")
    String topic;

    @Option(names = "--rate", description = "Events per second (default: ${DEFAULT-VALUE}).")
    int rate = 1000;

    @Option(names = "--duration", paramLabel = "DURATION",
            description = "Stop after this long, ISO-8601 (default: run until stopped).")
    Duration duration;

    @Option(names = "--users", description = "Users (default: ${DEFAULT-VALUE}).")
    int users = 5000;

    @Option(names = "--clusters", description = "Item clusters (default: ${DEFAULT-VALUE}).")
    int clusters = 20;

    @Option(names = "--items-per-cluster", description = "Items in each cluster (default: ${DEFAULT-VALUE}).")
    int itemsPerCluster = 100;

    @Option(names = "--seed", description = "Seed of the synthetic world (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra producer setting (repeatable), e.g. security.protocol=SSL.")
    List<String> kafkaProperties = List.of();

    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || rate > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--rate must be in 1..1000000, got " + rate);
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new ParameterException(spec.commandLine(), "--duration must be positive");
        }
        SyntheticWorld world;
        try {
            world = new SyntheticWorld(new SyntheticWorld.Shape(clusters, itemsPerCluster, users, 1.1), seed,
                    System.currentTimeMillis());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Properties p = new Properties();
        for (String kv : kafkaProperties) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--kafka-property must be KEY=VALUE, got " + kv);
            }
            p.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        p.put("bootstrap.servers", bootstrapServers);
        p.put("linger.ms", "5");
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            stop = true;
            try {
                main.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "generate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long sent = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            Pacer pacer = new Pacer(rate);
            long limit = duration == null ? Long.MAX_VALUE : duration.toNanos();
            while (!stop && pacer.elapsedNanos() < limit) {
                for (long due = pacer.due(); due > 0 && !stop; due--) {
                    SyntheticWorld.Click c = world.next();
                    producer.send(new ProducerRecord<>(topic, c.userId().getBytes(StandardCharsets.UTF_8),
                            ClickJson.write(c.userId(), c.itemId(), System.currentTimeMillis(), c.eventId(),
                                    c.category())));
                    pacer.done(1);
                    sent++;
                }
                pacer.tick();
            }
            producer.flush();
        }
        System.err.println("generate: sent " + sent + " events to " + topic);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is waiting for us
        }
        return 0;
    }
}
