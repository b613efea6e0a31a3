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

/** Project paths seen from a test, and temporary directories that are deleted even when a test JVM dies. */
public final class TestPaths {

    private static final Set<Path> TEMP_DIRS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(TEMP_DIRS).forEach(TestPaths::deleteQuietly),
                "delete-test-dirs"));
    }

    private TestPaths() {}

    /** The project root: Maven sets {@code basedir} for surefire and failsafe; an IDE runs from the root. */
    public static Path basedir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    public static Path target() {
        return basedir().resolve("target");
    }

    /** A fresh directory under the system temp dir, deleted by {@link #deleteQuietly} or at JVM exit. */
    public static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
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
