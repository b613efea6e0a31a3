package io.mindstream.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process started by a test (a Flink JVM, a Kafka broker) with its output in a log file. Every live
 * instance is also known to a JVM shutdown hook, so a test JVM that exits or is interrupted never leaves a
 * broker or a TaskManager running and holding its ports. Against a test JVM that is SIGKILLed (a fork
 * timeout, the OOM killer), where no hook runs, children are started through {@code setpriv --pdeathsig
 * KILL} where util-linux provides it: the kernel kills them when their parent dies.
 */
public final class ManagedProcess implements AutoCloseable {

    private static final Set<ManagedProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /**
     * The parent-death signal fires when the *thread* that spawned the child ends, not only the process, so
     * every child is spawned from this one thread, which lives as long as the JVM.
     */
    private static final java.util.concurrent.ExecutorService SPAWNER =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "test-process-spawner");
                t.setDaemon(true);
                return t;
            });

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ManagedProcess p : List.copyOf(LIVE)) {
                p.kill();
            }
        }, "kill-test-processes"));
    }

    private final String name;
    private final Process process;
    private final Path output;

    private ManagedProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /** Starts {@code command}; stdout and stderr both go to {@code output} (appended, so restarts keep history). */
    public static ManagedProcess start(String name, List<String> command, Path output) throws IOException {
        Files.createDirectories(output.getParent());
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            // setpriv sets the signal and execs the command: the pid stays the command's own.
            full.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process;
        try {
            process = SPAWNER.submit(pb::start).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + name, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        ManagedProcess managed = new ManagedProcess(name, process, output);
        LIVE.add(managed);
        return managed;
    }

    /** A java command line running {@code mainClass} on the JVM that runs the tests. */
    public static List<String> javaCommand(List<String> jvmArgs, String classpath, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the test JVM's temporary directory (under target/), so a SIGKILLed process leaves nothing in /tmp
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    /** The process's command line as the kernel sees it (/proc), to check what a JVM really got. */
    public List<String> commandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "cmdline"));
        return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path output() {
        return output;
    }

    /** Waits for the process to end by itself; returns its exit code, or throws when it is still running. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still running after " + timeout + "; output:\n" + tail(40));
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** SIGKILL, as a crash: no shutdown hooks run in the child. Children of the child are killed too. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    /** SIGTERM, then SIGKILL when the process has not exited within {@code grace}. */
    public void stop(Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        LIVE.remove(this);
    }

    @Override
    public void close() {
        kill();
    }

    /** The last lines of the output, for failure messages. */
    public String tail(int lines) {
        return tail(output, lines);
    }

    static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file + ")";
            }
            List<String> all = Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + (process.isAlive() ? ", alive)" : ", exited)");
    }
}
