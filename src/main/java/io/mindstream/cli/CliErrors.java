package io.mindstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * One line per error, naming the command and what is wrong, and no stack trace for mistakes a user can fix:
 * {@code mind-stream score: unknown option '--foo' (see 'mind-stream score --help')}.
 * Unexpected failures (bugs) still print their stack trace.
 */
final class CliErrors implements IParameterExceptionHandler, IExecutionExceptionHandler {

    /** Exit code of a command line that could not be parsed. */
    static final int USAGE = 2;
    /** Exit code of a command that failed (bad model, unreadable file...). */
    static final int FAILURE = 1;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        PrintWriter err = cmd.getErr();
        err.println(name + ": " + describe(ex) + " (see '" + name + " --help')");
        err.flush();
        return USAGE;
    }

    private static String describe(ParameterException ex) {
        // picocli checks required options before it reports unknown ones; a typo is the more useful news
        if (!(ex instanceof UnmatchedArgumentException) && !ex.getCommandLine().getUnmatchedArguments().isEmpty()) {
            ex = new UnmatchedArgumentException(ex.getCommandLine(), ex.getCommandLine().getUnmatchedArguments());
        }
        if (ex instanceof UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            String first = unmatched.isEmpty() ? "" : unmatched.get(0);
            StringBuilder sb = new StringBuilder();
            if (first.startsWith("-")) {
                sb.append("unknown option '").append(first).append('\'');
            } else if (u.getCommandLine().getSubcommands().isEmpty()) {
                sb.append("unexpected argument '").append(first).append('\'');
            } else {
                sb.append("unknown command '").append(first).append('\'');
            }
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                sb.append("; did you mean ").append(String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))).append('?');
            }
            return sb.toString();
        }
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        msg = msg.lines().findFirst().orElse("");
        return msg.isEmpty() ? msg : msg.substring(0, 1).toLowerCase(Locale.ROOT) + msg.substring(1);
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        if (expected(ex)) {
            err.println(name + ": " + oneLine(ex));
        } else {
            err.println(name + ": unexpected failure: " + ex);
            ex.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /** Failures caused by the input or the environment, whose message is enough to act on. */
    private static boolean expected(Throwable ex) {
        return ex instanceof IllegalArgumentException || ex instanceof IOException || ex instanceof UncheckedIOException
                || ex instanceof IllegalStateException || ex instanceof CommandFailedException;
    }

    private static String oneLine(Throwable ex) {
        String msg = ex.getMessage();
        if (ex instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + msg;
        }
        if (ex instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + msg;
        }
        if (msg == null || msg.isBlank()) {
            return ex.getClass().getSimpleName();
        }
        return msg.lines().findFirst().orElse(msg);
    }
}
