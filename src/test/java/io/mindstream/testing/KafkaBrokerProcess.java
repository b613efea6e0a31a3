package io.mindstream.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka broker (KRaft, broker and controller in one process) in its own JVM, from the jars in
 * target/cluster-classpath/kafka.classpath. Unlike an in-process broker it can be SIGKILLed and restarted
 * on the same ports and log directory, as a real broker crash and restart would look to clients.
 * {@link #close()} kills it and deletes its data; a JVM shutdown hook does the same if the test JVM dies.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private final String name;
    private final String classpath;
    private final Path dataDir;
    private final Path logDir;
    private final Path serverProperties;
    private final int port;
    private ManagedProcess broker;
    private int starts;

    private KafkaBrokerProcess(String name) throws IOException, InterruptedException {
        this.name = name;
        this.classpath = TestPaths.clusterClasspath("kafka");
        this.dataDir = TestPaths.tempDir("kafka-");
        this.logDir = TestPaths.logDir(name);
        int[] ports = FreePorts.allocate(2);
        this.port = ports[0];
        int controllerPort = ports[1];

        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dataDir.resolve("logs").toString());
        p.setProperty("metadata.log.dir", dataDir.resolve("metadata").toString());
        // One broker: every internal topic has one replica, or transactions and groups never become available.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // A restarted broker cannot register while the controller still holds the dead one's session (9 s by
        // default); a short session makes a crash-restart take seconds, as the fault tests want.
        p.setProperty("broker.session.timeout.ms", "3000");
        p.setProperty("broker.heartbeat.interval.ms", "500");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        // Fewer threads than the defaults: the machine has two cores shared with the Flink JVMs.
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("background.threads", "2");
        p.setProperty("log.cleaner.threads", "1");
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        this.serverProperties = dataDir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(serverProperties)) {
            p.store(out, "mind-stream test broker");
        }
        Files.writeString(dataDir.resolve("log4j2.properties"), LOG4J);

        // KRaft storage must be formatted once with a cluster id before the first start.
        List<String> format = ManagedProcess.javaCommand(jvmOptions("format"), classpath, "kafka.tools.StorageTool",
                List.of("format", "-t", Uuid.randomUuid().toString(), "-c", serverProperties.toString()));
        ManagedProcess formatter = ManagedProcess.start("kafka-storage-format", format, logDir.resolve("format.out"));
        int exit = formatter.awaitExit(Duration.ofSeconds(60));
        if (exit != 0) {
            TestPaths.deleteQuietly(dataDir);
            throw new IllegalStateException("kafka StorageTool format exited " + exit + ":\n" + formatter.tail(30));
        }
    }

    /** Formats a broker's storage and starts it; returns when it answers an admin request. */
    public static KafkaBrokerProcess start(String name, Duration timeout) throws IOException, InterruptedException {
        KafkaBrokerProcess kafka = new KafkaBrokerProcess(name);
        try {
            kafka.startBroker(timeout);
            return kafka;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            kafka.close();
            throw e;
        }
    }

    /** Starts the broker process again on the same ports and data (after {@link #kill()} or {@link #stop()}). */
    public void startBroker(Duration timeout) throws IOException, InterruptedException {
        if (broker != null && broker.isAlive()) {
            throw new IllegalStateException("broker " + name + " is already running");
        }
        String id = "broker-" + starts++;
        broker = ManagedProcess.start(id,
                ManagedProcess.javaCommand(jvmOptions(id), classpath, "kafka.Kafka", List.of(serverProperties.toString())),
                logDir.resolve(id + ".out"));
        Waits.until("Kafka broker " + name + " on port " + port, timeout, Duration.ofMillis(250), () -> {
            if (!broker.isAlive()) {
                throw new IllegalStateException("broker process exited:\n" + broker.tail(40));
            }
            try (Admin admin = admin()) {
                return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 1;
            }
        }, () -> broker.tail(40));
    }

    /** SIGKILL: the broker loses what it had not flushed, as in a crash. */
    public void kill() {
        if (broker != null) {
            broker.kill();
        }
    }

    /** Controlled shutdown (SIGTERM), SIGKILL after 30 s. */
    public void stop() {
        if (broker != null) {
            broker.stop(Duration.ofSeconds(30));
        }
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    }

    /** Creates topics and waits until the broker has them. */
    public void createTopics(List<NewTopic> topics) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    public Path logDir() {
        return logDir;
    }

    public ManagedProcess process() {
        return broker;
    }

    @Override
    public void close() {
        kill();
        TestPaths.deleteQuietly(dataDir);
    }

    private List<String> jvmOptions(String process) {
        List<String> opts = new ArrayList<>(List.of(
                "-Xms256m", "-Xmx512m", "-XX:+UseParallelGC",
                "-Djava.awt.headless=true",
                "-Djava.io.tmpdir=" + dataDir,
                "-Dkafka.logs.dir=" + logDir,
                "-Dlog.file=" + logDir.resolve(process + ".log"),
                "-Dlog4j2.configurationFile=" + dataDir.resolve("log4j2.properties").toUri()));
        return opts;
    }

    private static final String LOG4J = String.join("\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = MainAppender",
            "appender.main.name = MainAppender",
            "appender.main.type = File",
            "appender.main.append = true",
            "appender.main.fileName = ${sys:log.file}",
            "appender.main.layout.type = PatternLayout",
            "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1.} [%t] - %m%n",
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "");
}
