package io.mindstream.routing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutingKernelsTest {

    @Test
    void vectorKernelIsTheDefaultWhereTheModuleIsPresent() {
        assertTrue(RoutingKernels.vectorAvailable(), "tests run with --add-modules jdk.incubator.vector");
        assertEquals("vector", RoutingKernels.choose("", true).name());
    }

    @Test
    void plainKernelIsTheFallbackWhereTheModuleIsAbsent() {
        assertSame(RoutingKernels.scalar(), RoutingKernels.choose("", false));
    }

    @Test
    void theSwitchForcesEitherKernel() {
        assertEquals("scalar", RoutingKernels.choose("scalar", true).name());
        assertEquals("vector", RoutingKernels.choose("vector", true).name());
        assertEquals("scalar", RoutingKernels.choose(" scalar ", false).name());
    }

    @Test
    void forcingTheVectorKernelWithoutTheModuleFailsClearly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RoutingKernels.choose("vector", false));
        assertTrue(e.getMessage().contains("--add-modules jdk.incubator.vector"), e.getMessage());
    }

    @Test
    void anUnknownSwitchValueIsRejectedNamingTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RoutingKernels.choose("simd", true));
        assertTrue(e.getMessage().contains(RoutingKernels.FORCE_PROPERTY), e.getMessage());
    }

    @Test
    void kernelsRefuseTooSmallScratch() {
        for (RoutingKernel kernel : List.of(RoutingKernels.scalar(), RoutingKernels.vector())) {
            float[] table = new float[4 * 8];
            assertThrows(IllegalArgumentException.class, () -> kernel.route(table, new int[] {0, 1, 2}, 3, 2, 8, 3,
                    RoutingSoftmax.INTERESTS, new float[6], new float[kernel.scratchSize(3, 2, 8) - 1],
                    new float[16]), kernel.name());
        }
    }

    /**
     * A JVM started without the incubator module loads the routing classes and runs the plain kernel: nothing
     * on the default path touches a jdk.incubator.vector type. Another JVM is the only way to drop a module.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aJvmWithoutTheModuleFallsBackToThePlainKernel() throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KernelProbe.class.getName())
                .redirectErrorStream(true)
                .start();
        try (InputStream in = process.getInputStream()) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            assertTrue(process.waitFor(50, TimeUnit.SECONDS), "probe did not finish");
            String output = buffer.toString(StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), output);
            assertTrue(output.contains("kernel=scalar vectorAvailable=false"), output);
        } finally {
            process.destroyForcibly();
        }
    }

    /** Run in the module-less JVM above. */
    static final class KernelProbe {
        public static void main(String[] args) {
            RoutingKernel kernel = RoutingKernels.best();
            float[] out = new float[8];
            kernel.route(new float[] {1, 0, 0, 0, 0, 1, 0, 0}, new int[] {0, 1}, 2, 2, 4, 3,
                    RoutingSoftmax.INTERESTS, new float[] {0.5f, -0.5f, 0.1f, 0.2f},
                    new float[kernel.scratchSize(2, 2, 4)], out);
            System.out.println("kernel=" + kernel.name() + " vectorAvailable=" + RoutingKernels.vectorAvailable()
                    + " finite=" + Float.isFinite(out[0]));
        }
    }
}
