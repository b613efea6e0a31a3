package io.mindstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The {@code mind-stream} command line. Each command is a class in this package listed in {@code subcommands};
 * they inherit the one-line error handling and the ISO-8601 {@link Duration} converter configured here.
 */
@Command(name = "mind-stream",
        mixinStandardHelpOptions = true,
        versionProvider = MindStreamCli.Version.class,
        description = "Real-time MIND multi-interest user vectors: batch scoring, the Flink streaming job, training.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            ScoreCommand.class,
            RunCommand.class,
            PublishCommand.class,
            TrainCommand.class,
            DemoCommand.class,
            GenerateCommand.class,
            LookupCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class,
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the command failed (the message says why)",
            "2:invalid command line",
            "3:finished, but some input records were malformed and skipped"})
public final class MindStreamCli implements Callable<Integer> {

    /** The name users type; also the prefix of every error line. */
    public static final String NAME = "mind-stream";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs one command line and returns its exit code (never calls System.exit). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** Runs one command line with the given console streams and returns its exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The configured root command line. */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new MindStreamCli()));
    }

    /**
     * Applies the shared settings to {@code cl} and every subcommand it has at this moment: converters, error
     * handlers, parser settings. Subcommands added later do not get them, so list commands in the annotation.
     */
    public static CommandLine configure(CommandLine cl) {
        CliErrors errors = new CliErrors();
        cl.registerConverter(Duration.class, new DurationConverter());
        cl.setParameterExceptionHandler(errors);
        cl.setExecutionExceptionHandler(errors);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setAbbreviatedOptionsAllowed(false);
        return cl;
    }

    /** The version from the jar manifest (Implementation-Version), or the build directory's marker. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = MindStreamCli.class.getPackage().getImplementationVersion();
            return new String[] {
                NAME + " " + (v == null ? "(development build, not run from the jar)" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            };
        }
    }
}
