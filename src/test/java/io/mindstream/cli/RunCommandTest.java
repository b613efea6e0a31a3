package io.mindstream.cli;

import io.mindstream.job.JobOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
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

    @Test
    void invalidValuesExitWithTheFlagNamed() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            int code = new CommandLine(new RunCommand()).execute("--bootstrap-servers", "h:1", "--clicks-topic", "c",
                    "--interests-topic", "i", "--weights-topic", "w", "--dead-letter-topic", "d",
                    "--checkpoint-interval", "often", "--local");
            assertEquals(2, code);
        } finally {
            System.setErr(old);
        }
        assertTrue(err.toString().contains("--checkpoint-interval"), err.toString());
    }
}
