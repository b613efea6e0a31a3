package io.mindstream.deploy;

import static io.mindstream.deploy.StreamingJobDeploymentITCase.JOB_JAR;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.START;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.T0;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.assertMatches;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.consumerProps;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.model;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.poll;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.producerProps;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.publish;
import static io.mindstream.deploy.StreamingJobDeploymentITCase.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.JsonInterestCodec;
import io.mindstream.model.InterestEncoder;
import io.mindstream.model.MindModel;
import io.mindstream.testing.FlinkStandaloneCluster;
import io.mindstream.testing.KafkaBrokerProcess;
import io.mindstream.testing.Waits;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults injected for real while clicks stream into the job jar on the standalone cluster in exactly-once mode: a
 * TaskManager SIGKILL, a Kafka broker SIGKILL and restart, a stop with savepoint and a restart at another
 * parallelism. Whatever happens, a read_committed consumer must see exactly one update per click, each equal to
 * local routing of the user's sequence up to that click, and every user's last update equal to routing of the
 * whole sequence. Each test prints the measured time from the fault to the first committed update of a click sent
 * after it.
 */
class ClusterFaultsITCase {

    /** What happens to the running job once a third of the clicks is out; returns the job id afterwards. */
    @FunctionalInterface
    interface Fault {
        String inject(KafkaBrokerProcess kafka, FlinkStandaloneCluster cluster, String jobId, List<String> jobArgs)
                throws Exception;
    }

    record Outcome(int sentAtFault, int clicks, long firstUpdateAfterFaultMs, String jobId, long restoredCheckpoints) {
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void taskManagerSigkillMidStreamLosesAndDuplicatesNothing() throws Exception {
        Outcome o = streamThrough("tm-crash", (kafka, cluster, jobId, args) -> {
            cluster.killTaskManager(cluster.taskManagers().get(0));
            cluster.startTaskManager();
            return jobId;
        });
        assertTrue(o.restoredCheckpoints() >= 1, "the job restored a checkpoint after the crash: " + o);
        report("TaskManager SIGKILL", o);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void kafkaBrokerSigkillAndRestartMidStreamLosesAndDuplicatesNothing() throws Exception {
        Outcome o = streamThrough("broker-crash", (kafka, cluster, jobId, args) -> {
            kafka.kill();
            Thread.sleep(3_000); // down long enough for every client to notice
            kafka.startBroker(START);
            return jobId;
        });
        report("Kafka broker SIGKILL + restart", o);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void stopWithSavepointAndRestartAtAnotherParallelismKeepsEverySequence() throws Exception {
        Outcome o = streamThrough("rescale", (kafka, cluster, jobId, args) -> {
            String savepoint = cluster.rest().stopWithSavepoint(jobId,
                    cluster.checkpointDir().resolveSibling("savepoints").toUri().toString(), Duration.ofSeconds(60));
            String jarId = cluster.rest().uploadJar(JOB_JAR);
            String rescaled = cluster.rest().runJar(jarId, null, args, 1, savepoint);
            cluster.awaitJobRunning(rescaled, START);
            return rescaled;
        });
        assertEquals(1, o.restoredCheckpoints(), "the rescaled job started from the savepoint: " + o);
        report("stop with savepoint, parallelism 2 -> 1", o);
    }

    private static void report(String fault, Outcome o) {
        System.out.printf("%s after %d of %d clicks: first committed update of a later click %d ms after the fault; "
                + "each click exactly one update; %d checkpoint/savepoint restore(s)%n",
                fault, o.sentAtFault(), o.clicks(), o.firstUpdateAfterFaultMs(), o.restoredCheckpoints());
    }

    static final int USERS = 20;
    static final int EVENTS_PER_USER = 60;
    static final int ITEMS = 40;

    private static Outcome streamThrough(String name, Fault fault) throws Exception {
        assertTrue(Files.isRegularFile(JOB_JAR), JOB_JAR + " is missing: run `mvn package` first");
        MindModel v1 = model(name + "-v1", 31);

        try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start(name + "-kafka", START);
             FlinkStandaloneCluster cluster = FlinkStandaloneCluster.builder(name + "-flink").build()) {
            kafka.createTopics(List.of(
                    new NewTopic("clicks", 2, (short) 1),
                    new NewTopic("interests", 2, (short) 1),
                    new NewTopic("weights", 1, (short) 1),
                    new NewTopic("dead-letters", 1, (short) 1)));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(kafka));
                 KafkaConsumer<byte[], byte[]> updates = new KafkaConsumer<>(consumerProps(kafka))) {
                updates.subscribe(List.of("interests"));
                publish(kafka, v1);
                cluster.start(1, START);
                List<String> jobArgs = List.of(
                        "--bootstrap-servers", kafka.bootstrapServers(),
                        "--clicks-topic", "clicks", "--interests-topic", "interests",
                        "--weights-topic", "weights", "--dead-letter-topic", "dead-letters",
                        "--output-format", "json", "--delivery", "exactly-once",
                        "--checkpoint-interval", "PT1S");
                String jobId = cluster.submit(JOB_JAR, jobArgs, 2, START);

                List<InterestUpdate> received = new ArrayList<>();
                JsonInterestCodec codec = new JsonInterestCodec();
                int[] probes = {0};
                Waits.until("the first update under " + v1.version(), Duration.ofSeconds(90), Duration.ofMillis(10), () -> {
                    StreamingJobDeploymentITCase.send(producer, "probe", "i0", T0 + probes[0], "probe-" + probes[0]++);
                    return poll(updates, codec, received, Duration.ofSeconds(1)).stream()
                            .anyMatch(u -> u.userId().equals("probe") && u.modelVersion().equals(v1.version()));
                }, cluster::diagnostics);

                // The clicks, in a fixed order; their index tells which were sent after the kill.
                Map<String, List<String>> prefixByEvent = new HashMap<>();
                Map<String, Integer> indexByEvent = new HashMap<>();
                Map<String, List<String>> sequences = new HashMap<>();
                List<String[]> clicks = new ArrayList<>();
                SplittableRandom random = new SplittableRandom(17);
                for (int e = 0; e < EVENTS_PER_USER; e++) {
                    for (int u = 0; u < USERS; u++) {
                        String user = "user-" + u;
                        String item = "i" + random.nextInt(ITEMS);
                        String eventId = user + "-" + e;
                        List<String> seq = sequences.computeIfAbsent(user, k -> new ArrayList<>());
                        seq.add(item);
                        prefixByEvent.put(eventId, List.copyOf(seq));
                        indexByEvent.put(eventId, clicks.size());
                        clicks.add(new String[] {user, item, String.valueOf(T0 + 1000L * clicks.size()), eventId});
                    }
                }
                // A paced producer keeps the stream flowing across the crash (about 10 s for all clicks).
                AtomicInteger sent = new AtomicInteger();
                AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                Thread feeder = new Thread(() -> {
                    try {
                        for (String[] c : clicks) {
                            send(producer, c[0], c[1], Long.parseLong(c[2]), c[3]);
                            sent.incrementAndGet();
                            Thread.sleep(8);
                        }
                        producer.flush();
                    } catch (Throwable t) {
                        producerFailure.set(t);
                    }
                }, "click-feeder");
                feeder.setDaemon(true);
                feeder.start();

                // Kill once a third of the clicks is out and the job has completed a checkpoint with some of them,
                // so that some updates are committed, some are in an open transaction, and some are not yet read.
                long checkpointsBefore = cluster.rest().completedCheckpoints(jobId);
                Waits.until("a third of the clicks sent and a checkpoint completed", Duration.ofSeconds(60),
                        Duration.ofMillis(20), () -> sent.get() >= clicks.size() / 3
                                && cluster.rest().completedCheckpoints(jobId) > checkpointsBefore, cluster::diagnostics);
                int sentAtKill = sent.get();
                long killedAt = System.nanoTime();
                String jobAfter = fault.inject(kafka, cluster, jobId, jobArgs);

                // Collect every click's update; note when the first update of a click sent after the kill commits.
                Map<String, Integer> updatesPerEvent = new HashMap<>();
                Map<String, InterestUpdate> byEvent = new HashMap<>();
                long[] firstAfterKillMs = {-1};
                java.util.function.Consumer<List<InterestUpdate>> account = batch -> {
                    for (InterestUpdate u : batch) {
                        if (u.cause() != InterestUpdate.Cause.EVENT || !indexByEvent.containsKey(u.eventId())) {
                            continue;
                        }
                        updatesPerEvent.merge(u.eventId(), 1, Integer::sum);
                        byEvent.put(u.eventId(), u);
                        if (firstAfterKillMs[0] < 0 && indexByEvent.get(u.eventId()) >= sentAtKill) {
                            firstAfterKillMs[0] = (System.nanoTime() - killedAt) / 1_000_000;
                        }
                    }
                };
                account.accept(received);
                Waits.until("an update for each of " + clicks.size() + " clicks", Duration.ofSeconds(150),
                        Duration.ofMillis(10), () -> {
                            account.accept(poll(updates, codec, new ArrayList<>(), Duration.ofSeconds(1)));
                            return byEvent.size() == clicks.size();
                        }, () -> "have " + byEvent.size() + ", sent " + sent.get() + "\n" + cluster.diagnostics());
                feeder.join(10_000);
                assertEquals(null, producerFailure.get(), "the producer failed");
                // anything duplicated shows up after the last expected update too
                account.accept(poll(updates, codec, new ArrayList<>(), Duration.ofSeconds(3)));

                updatesPerEvent.forEach((event, n) -> assertEquals(1, n, "updates for click " + event));
                InterestEncoder encoder = new InterestEncoder();
                for (Map.Entry<String, InterestUpdate> e : byEvent.entrySet()) {
                    assertEquals(v1.version(), e.getValue().modelVersion(), e.getKey());
                    assertMatches(encoder.encode(v1, e.getValue().userId(), prefixByEvent.get(e.getKey())),
                            e.getValue(), e.getKey());
                }
                // every user's final interests are those of the whole sequence
                for (Map.Entry<String, List<String>> s : sequences.entrySet()) {
                    InterestUpdate last = byEvent.get(s.getKey() + "-" + (EVENTS_PER_USER - 1));
                    assertMatches(encoder.encode(v1, s.getKey(), s.getValue()), last, s.getKey() + " final");
                    assertEquals(EVENTS_PER_USER, last.updateSeq(), s.getKey() + ": one update per click, in order");
                }
                long restored = cluster.rest().restoredCheckpoints(jobAfter);
                assertTrue(firstAfterKillMs[0] > 0);
                assertTrue(sentAtKill < clicks.size(), "the fault came mid-stream");
                cluster.rest().cancel(jobAfter);
                return new Outcome(sentAtKill, clicks.size(), firstAfterKillMs[0], jobAfter, restored);
            }
        }
    }
}
