package io.mindstream.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Project paths seen from a test, and temporary directories that are deleted when the test closes them, at
 * JVM exit, or, for a test JVM that was SIGKILLed, by the next test JVM: they live under target/it-tmp with
 * the owning JVM's pid in their name, and directories of dead owners are removed on first use.
 */
public final class TestPaths {

    private static final Set<Path> TEMP_DIRS = ConcurrentHashMap.newKeySet();
    private static final long PID = ProcessHandle.current().pid();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(TEMP_DIRS).forEach(TestPaths::deleteQuietly),
                "delete-test-dirs"));
        deleteDirsOfDeadOwners();
    }

    private TestPaths() {}

    /** The project root: Maven sets {@code basedir} for surefire and failsafe; an IDE runs from the root. */
    public static Path basedir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    public static Path target() {
        return basedir().resolve("target");
    }

    /** A fresh directory under target/it-tmp, deleted by {@link #deleteQuietly} or at JVM exit. */
    public static Path tempDir(String prefix) {
        try {
            Path root = Files.createDirectories(target().resolve("it-tmp"));
            Path dir = Files.createTempDirectory(root, PID + "-" + prefix);
            TEMP_DIRS.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh directory for logs under target/, kept after the test so a failure can be read. */
    public static Path logDir(String name) {
        try {
            Path dir = target().resolve("it-logs").resolve(name + "-" + System.currentTimeMillis());
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteDirsOfDeadOwners() {
        Path root = target().resolve("it-tmp");
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.toList()) {
                String name = dir.getFileName().toString();
                int dash = name.indexOf('-');
                try {
                    long owner = Long.parseLong(name.substring(0, Math.max(dash, 0)));
                    if (owner != PID && ProcessHandle.of(owner).filter(ProcessHandle::isAlive).isEmpty()) {
                        deleteQuietly(dir);
                    }
                } catch (NumberFormatException notOurs) {
                    // not a directory this class created
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    public static void deleteQuietly(Path dir) {
        TEMP_DIRS.remove(dir);
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a file still held by a dying process is removed by the next attempt or the OS
        }
    }

    /** Reads a classpath file written by the cluster-classpath build (see src/test/clusters/pom.xml). */
    public static String clusterClasspath(String name) {
        Path file = target().resolve("cluster-classpath").resolve(name + ".classpath");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: it is written at pre-integration-test by "
                    + "`mvn verify`, or by hand with `mvn -f src/test/clusters/pom.xml validate "
                    + "-Dcluster.classpath.dir=" + file.getParent() + "`");
        }
        try {
            String cp = Files.readString(file).trim();
            for (String entry : cp.split(java.io.File.pathSeparator)) {
                if (!Files.isRegularFile(Path.of(entry))) {
                    throw new IllegalStateException(file + " names a missing jar " + entry + "; rebuild it");
                }
            }
            return cp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
