package io.mindstream.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MindStreamCliTest {

    private static ScoreCommandTest.Result run(String... args) {
        return ScoreCommandTest.run(args);
    }

    @Test
    void helpListsTheCommands() {
        ScoreCommandTest.Result r = run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("Usage: mind-stream"), r.out());
        assertTrue(r.out().contains("score"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void versionIsPrinted() {
        ScoreCommandTest.Result r = run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("mind-stream "), r.out());
    }

    @Test
    void unknownOptionIsOneLineNamingIt() {
        ScoreCommandTest.Result r = run("score", "--foo");
        assertEquals(2, r.exitCode());
        assertEquals("mind-stream score: unknown option '--foo' (see 'mind-stream score --help')", r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void misspelledOptionGetsASuggestionOnTheSameLine() {
        ScoreCommandTest.Result r = run("score", "--modle", "x", "--input", "i", "--output", "o");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("unknown option '--modle'; did you mean --model?"), r.err());
    }

    @Test
    void unknownCommandAndMissingCommand() {
        ScoreCommandTest.Result r = run("scroe");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("mind-stream: unknown command 'scroe'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = run();
        assertEquals(2, r.exitCode());
        assertEquals("mind-stream: missing command (see 'mind-stream --help')", r.err().strip());
    }

    @Test
    void missingRequiredOptionsAreNamed() {
        ScoreCommandTest.Result r = run("score", "--input", "a", "--output", "b");
        assertEquals(2, r.exitCode());
        assertEquals("mind-stream score: missing required option: '--model=DIR' (see 'mind-stream score --help')",
                r.err().strip());
    }

    // ------------------------------------------------------------------ Duration converter

    @Command(name = "mind-stream", subcommands = Wait.class)
    static final class Root implements Runnable {
        @Override
        public void run() {
        }
    }

    @Command(name = "wait")
    static final class Wait implements Callable<Integer> {
        static Duration last;

        @Option(names = "--timeout")
        Duration timeout;

        @Override
        public Integer call() {
            last = timeout;
            return 0;
        }
    }

    private static ScoreCommandTest.Result runWait(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MindStreamCli.configure(new CommandLine(new Root()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new ScoreCommandTest.Result(code, out.toString(), err.toString());
    }

    @Test
    void subcommandsInheritTheIsoDurationConverter() {
        assertEquals(0, runWait("wait", "--timeout", "PT90S").exitCode());
        assertEquals(Duration.ofSeconds(90), Wait.last);
        assertEquals(0, runWait("wait", "--timeout", "PT1H").exitCode());
        assertEquals(Duration.ofHours(1), Wait.last);
        assertEquals(0, runWait("wait", "--timeout", "P1DT2H").exitCode());
        assertEquals(Duration.ofHours(26), Wait.last);
    }

    @Test
    void aBadDurationIsOneLineNamingTheFlagAndTheFormat() {
        ScoreCommandTest.Result r = runWait("wait", "--timeout", "90s");
        assertEquals(2, r.exitCode());
        assertEquals("mind-stream wait: invalid value for option '--timeout': '90s' is not an ISO-8601 duration"
                + " (e.g. PT90S, PT15M, PT1H) (see 'mind-stream wait --help')", r.err().strip());
    }
}
