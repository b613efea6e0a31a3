package io.mindstream.cli;

import io.mindstream.job.JobOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunCommandTest {

    @Test
    void everyJobOptionIsAFlagOfRun() {
        Set<String> flags = new CommandLine(new RunCommand()).getCommandSpec().options().stream()
                .map(o -> o.longestName().substring(2)).collect(Collectors.toSet());
        for (JobOptions.Option o : JobOptions.OPTIONS) {
            assertTrue(flags.contains(o.key()), "run has --" + o.key());
        }
    }

    @Test
    void flagsReachTheJobOptionsUnchanged() throws Exception {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--bootstrap-servers", "h:1", "--clicks-topic", "c", "--interests-topic", "i",
                "--weights-topic", "w", "--dead-letter-topic", "d", "--output-format", "json",
                "--kafka-property", "a=b", "--kafka-property", "c=d", "--window-length", "50");
        JobOptions o = JobOptions.from(run.rawOptions());
        assertEquals("h:1", o.bootstrapServers());
        assertEquals(50, o.windowLength());
        assertEquals(2, o.kafkaProperties().size());
    }

    private static String runError(String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = MindStreamCli.configure(new CommandLine(new RunCommand()));
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(2, cl.execute(args));
        return err.toString();
    }

    @Test
    void invalidValuesExitWithTheFlagNamed() {
        String err = runError("--bootstrap-servers", "h:1", "--clicks-topic", "c", "--interests-topic", "i",
                "--weights-topic", "w", "--dead-letter-topic", "d", "--checkpoint-interval", "often", "--local");
        assertTrue(err.startsWith("run: --checkpoint-interval: invalid value \"often\""), err);
    }

    @Test
    void localNeedsACheckpointDirAndClusterRunsPointToFlinkRun() {
        String[] base = {"--bootstrap-servers", "h:1", "--clicks-topic", "c", "--interests-topic", "i",
            "--weights-topic", "w", "--dead-letter-topic", "d"};
        String[] local = java.util.Arrays.copyOf(base, base.length + 1);
        local[base.length] = "--local";
        assertTrue(runError(local).contains("--checkpoint-dir is required with --local"));
        assertTrue(runError(base).contains("flink run"));
    }
}
