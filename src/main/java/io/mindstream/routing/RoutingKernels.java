package io.mindstream.routing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the routing kernel: the Vector API one when the {@code jdk.incubator.vector} module is in the boot
 * layer (the launcher adds it), the plain Java one otherwise. The system property
 * {@value #FORCE_PROPERTY} ({@code vector} or {@code scalar}) overrides the choice, for tests and benchmarks.
 */
public final class RoutingKernels {

    public static final String FORCE_PROPERTY = "mindstream.routing.kernel";

    private static final Logger LOG = LoggerFactory.getLogger(RoutingKernels.class);

    private static volatile RoutingKernel defaultKernel;

    private RoutingKernels() {
    }

    /** True when the Vector API module is present in this JVM. */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The plain Java kernel; always available. */
    public static RoutingKernel scalar() {
        return ScalarRoutingKernel.INSTANCE;
    }

    /**
     * The Vector API kernel.
     *
     * @throws IllegalStateException when the incubator module is absent
     */
    public static RoutingKernel vector() {
        if (!vectorAvailable()) {
            throw new IllegalStateException(
                    "the Vector API is not available: start the JVM with --add-modules jdk.incubator.vector");
        }
        return VectorRoutingKernel.INSTANCE;
    }

    /** The kernel to use by default in this JVM (see the class comment). */
    public static RoutingKernel best() {
        RoutingKernel k = defaultKernel;
        if (k == null) {
            k = choose(System.getProperty(FORCE_PROPERTY, ""), vectorAvailable());
            defaultKernel = k;
        }
        return k;
    }

    /**
     * The kernel for a value of {@value #FORCE_PROPERTY} ("" when unset) in a JVM where the Vector API is or is
     * not available. A forced "vector" without the module is an error rather than a silent fallback, so a
     * benchmark or test never measures the wrong kernel.
     */
    static RoutingKernel choose(String forced, boolean vectorAvailable) {
        switch (forced.trim()) {
            case "scalar":
                return scalar();
            case "vector":
                if (!vectorAvailable) {
                    throw new IllegalStateException(FORCE_PROPERTY + "=vector but the Vector API is not available:"
                            + " start the JVM with --add-modules jdk.incubator.vector");
                }
                return VectorRoutingKernel.INSTANCE;
            case "":
                if (vectorAvailable) {
                    return VectorRoutingKernel.INSTANCE;
                }
                LOG.info("jdk.incubator.vector is absent; routing uses the plain Java kernel");
                return scalar();
            default:
                throw new IllegalArgumentException(
                        FORCE_PROPERTY + " must be \"vector\" or \"scalar\", got \"" + forced + "\"");
        }
    }
}
