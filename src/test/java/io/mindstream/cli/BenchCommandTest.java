package io.mindstream.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command's contract without running JMH: the line format and the errors for bad flags. */
class BenchCommandTest {

    @Test
    void resultLineHasTheDocumentedFormWithIntegerNanoseconds() {
        assertEquals("routing L=50 d=64 K=4 R=3 vector: 4800 ns/op",
                BenchCommand.Routing.line("routing", "50x64x4", "vector", 4799.6));
    }

    @Test
    void badValuesAreRejectedNamingTheFlag() {
        assertError("--impl", "routing", "--impl", "cuda");
        assertError("--shape", "routing", "--shape", "50x64");
        assertError("--time", "routing", "--time", "5s");
        assertError("--measurement", "routing", "--measurement", "0");
        assertError("--warmup", "routing", "--warmup", "x");
        assertError("--statistic", "routing", "--statistic", "p99");
        assertError("--nope", "routing", "--nope");
        assertError("routing", new String[0]);
    }

    private static void assertError(String fragment, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int exit = cl.execute(args);
        assertEquals(2, exit, String.join(" ", args));
        String firstLine = err.toString().lines().findFirst().orElse("");
        assertTrue(firstLine.contains(fragment), "expected " + fragment + " in: " + firstLine);
    }
}
