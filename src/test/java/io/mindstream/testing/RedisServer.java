package io.mindstream.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real redis-server process for tests: on a free loopback port, in its own temporary directory, without
 * persistence by default (or with an append-only file, so a restart keeps the data). {@link #close()} stops it
 * and deletes the directory, and a shutdown hook kills it if the test JVM dies first.
 *
 * <p>A missing redis-server is an error, not a reason to skip: the tests that need it must fail on a machine that
 * cannot run them. Install it with {@value #INSTALL_HINT}.
 */
public final class RedisServer implements AutoCloseable {

    public static final String INSTALL_HINT =
            "apt-get update && apt-get install -y --no-install-recommends redis-server";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path executable;
    private final Path dir;
    private final boolean appendOnly;
    private final int port;
    private final Thread shutdownHook;
    private Process process;

    private RedisServer(Path executable, Path dir, boolean appendOnly, int port) {
        this.executable = executable;
        this.dir = dir;
        this.appendOnly = appendOnly;
        this.port = port;
        this.shutdownHook = new Thread(this::destroyQuietly, "redis-server-" + port + "-reaper");
    }

    /** Starts a server without persistence. */
    public static RedisServer start() {
        return start(false);
    }

    /** Starts a server; with {@code appendOnly} its data survive {@link #restart()}. */
    public static RedisServer start(boolean appendOnly) {
        Path executable = locate();
        Path dir;
        try {
            dir = Files.createTempDirectory("redis-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IllegalStateException failure = null;
        // A free port can be taken between the probe and redis' bind: try a few.
        for (int attempt = 0; attempt < 3; attempt++) {
            RedisServer server = new RedisServer(executable, dir, appendOnly, freePort());
            Runtime.getRuntime().addShutdownHook(server.shutdownHook);
            try {
                server.launch();
                return server;
            } catch (IllegalStateException e) {
                failure = e;
                server.close(false);
            }
        }
        deleteRecursively(dir);
        throw failure;
    }

    private static Path locate() {
        List<Path> candidates = new ArrayList<>(List.of(Paths.get("/usr/bin/redis-server"),
                Paths.get("/usr/local/bin/redis-server")));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String p : path.split(java.io.File.pathSeparator)) {
                if (!p.isEmpty()) {
                    candidates.add(Paths.get(p, "redis-server"));
                }
            }
        }
        return locate(candidates);
    }

    /** The first executable candidate; none is an error that says how to install the server. */
    static Path locate(List<Path> candidates) {
        return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() ->
                new IllegalStateException("redis-server is not installed (looked in /usr/bin, /usr/local/bin and "
                        + "PATH); the Redis tests need it: " + INSTALL_HINT));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always",
                "--daemonize", "no", "--protected-mode", "no", "--logfile", dir.resolve("redis.log").toString(),
                "--databases", "16"));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + executable + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on port "
                        + port + "; log: " + log());
            }
            if (ping()) {
                return;
            }
            sleep(20);
        }
        destroyQuietly();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
                + START_TIMEOUT + "; log: " + log());
    }

    /** Sends PING over a raw socket; true when the server answers PONG (not LOADING). */
    public boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64];
            int n = in.read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT/DB}. */
    public String url(int database) {
        return "redis://127.0.0.1:" + port + "/" + database;
    }

    public String url() {
        return url(0);
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server (SIGTERM: an append-only file is flushed), keeping its directory. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** Starts the server again on the same port and directory (with append-only, with the same data). */
    public void restart() {
        stop();
        launch();
    }

    private void destroyQuietly() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String log() {
        try {
            Path log = dir.resolve("redis.log");
            Path out = dir.resolve("stdout.log");
            String text = (Files.exists(log) ? Files.readString(log) : "") + (Files.exists(out) ? Files.readString(out)
                    : "");
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        close(true);
    }

    private void close(boolean deleteDir) {
        try {
            stop();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down; the hook runs anyway
            }
            if (deleteDir) {
                deleteRecursively(dir);
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }
}
