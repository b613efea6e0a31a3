package io.mindstream.train;

import io.mindstream.model.MindModel;
import io.mindstream.model.ModelBundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Replaces the bundle in a directory without ever exposing a mix of two models: the new bundle is written
 * completely into a sibling directory, then swapped in by renames. A reader sees the old bundle, the new one,
 * or (for the instant between the two renames) no directory; never a partial one.
 */
public final class BundleOutput {

    private BundleOutput() {
    }

    public static void replace(MindModel model, Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String base = abs.getFileName().toString();
        Path staging = abs.resolveSibling("." + base + ".new-" + model.version());
        Path old = abs.resolveSibling("." + base + ".old-" + model.version());
        deleteTree(staging);
        ModelBundle.write(model, staging);
        ModelBundle.read(staging); // a bundle that does not read back is never swapped in
        if (Files.exists(abs)) {
            deleteTree(old);
            Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } else {
            Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
