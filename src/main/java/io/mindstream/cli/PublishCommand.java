package io.mindstream.cli;

import io.mindstream.event.ModelPublisher;
import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code publish}: puts a model bundle on the weights topic, where the running job picks it up. Inline by
 * default (chunked below the Kafka message limit); with {@code --payload-file} the payload is written to that
 * file and only a reference (URI + SHA-256) is published, for catalogues too large to broadcast.
 * Exit codes: 0 published, 1 failed (unreadable bundle, broker unreachable), 2 invalid command line.
 */
@Command(name = "publish", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Publish a model bundle to the weights topic.")
public class PublishCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "bundle directory (mind-bundle/1)")
    Path model;
    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers HOST:PORT[,...]")
    String bootstrapServers;
    @Option(names = "--weights-topic", required = true, description = "the job's weights topic")
    String weightsTopic;
    @Option(names = "--chunk-bytes", defaultValue = "" + ModelPublisher.DEFAULT_CHUNK_BYTES,
            description = "largest chunk (default ${DEFAULT-VALUE}); must fit the topic's max.message.bytes")
    int chunkBytes;
    @Option(names = "--payload-file", description = "write the payload here and publish a reference instead")
    Path payloadFile;
    @Option(names = "--payload-uri", description = "URI the job reads the payload from (file://, s3://, hdfs://);"
            + " default: the file:// URI of --payload-file")
    String payloadUri;
    @Option(names = "--kafka-property", description = "extra Kafka producer setting KEY=VALUE (repeatable)")
    List<String> kafkaProperty;

    public PublishCommand() {
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> extra = new LinkedHashMap<>();
        if (kafkaProperty != null) {
            for (String kv : kafkaProperty) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new ParameterException(spec.commandLine(),
                            "--kafka-property: expected KEY=VALUE, got \"" + kv + "\"");
                }
                extra.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        if (payloadUri != null && payloadFile == null) {
            throw new ParameterException(spec.commandLine(),
                    "--payload-uri needs --payload-file (the file that the URI names)");
        }
        if (chunkBytes < 1024) {
            throw new ParameterException(spec.commandLine(), "--chunk-bytes must be at least 1024, got " + chunkBytes);
        }
        MindModel m;
        try {
            m = ModelBundle.read(model);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new CommandFailedException(model + " is not a readable bundle: " + e.getMessage(), e);
        }
        byte[] payload = ModelBundle.toPayload(m);
        String sha = ModelBundle.sha256Hex(payload);
        try (ModelPublisher publisher = new ModelPublisher(bootstrapServers, weightsTopic, chunkBytes, extra)) {
            if (payloadFile == null) {
                int chunks = publisher.publishInline(m.version(), payload);
                spec.commandLine().getOut().printf("published model %s (%d bytes, sha256 %s) to %s in %d chunk(s)%n", m.version(),
                        payload.length, sha, weightsTopic, chunks);
            } else {
                Path tmp = payloadFile.resolveSibling(payloadFile.getFileName() + ".tmp");
                Files.write(tmp, payload);
                Files.move(tmp, payloadFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                String uri = payloadUri != null ? payloadUri : payloadFile.toAbsolutePath().toUri().toString();
                publisher.publishReference(m.version(), payload, uri);
                spec.commandLine().getOut().printf("published model %s (%d bytes, sha256 %s) to %s as a reference to %s%n", m.version(),
                        payload.length, sha, weightsTopic, uri);
            }
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
