package io.mindstream.routing;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The Vector API kernel computes what the plain reference kernel computes, on shapes that stress its tails. */
class RoutingKernelAgreementTest {

    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        // d around and off the lane counts (4, 8, 16), n around the padded widths, k around the block of 4
        for (int d : new int[] {1, 7, 8, 13, 16, 64, 100}) {
            for (int n : new int[] {1, 2, 5, 16, 17, 50}) {
                for (int k : new int[] {1, 3, 4, 6, 8}) {
                    for (RoutingSoftmax softmax : RoutingSoftmax.values()) {
                        cases.add(Arguments.of(new RoutingProblem(seed++, n, k, d, 3, softmax)));
                    }
                }
            }
        }
        cases.add(Arguments.of(new RoutingProblem(seed++, 100, 8, 128, 3, RoutingSoftmax.INTERESTS)));
        cases.add(Arguments.of(new RoutingProblem(seed++, 33, 5, 32, 1, RoutingSoftmax.BEHAVIOURS)));
        cases.add(Arguments.of(new RoutingProblem(seed++, 33, 5, 32, 1, RoutingSoftmax.INTERESTS)));
        cases.add(Arguments.of(new RoutingProblem(seed++, 20, 4, 32, 7, RoutingSoftmax.BEHAVIOURS)));
        cases.add(Arguments.of(new RoutingProblem(seed, 300, 8, 24, 5, RoutingSoftmax.INTERESTS)));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void vectorKernelAgreesWithScalarKernel(RoutingProblem problem) {
        float[] expected = problem.run(RoutingKernels.scalar());
        float[] actual = problem.run(RoutingKernels.vector());
        assertEquals(expected.length, actual.length);
        for (int x = 0; x < expected.length; x++) {
            assertTrue(Float.isFinite(actual[x]), "non-finite output at " + x);
            if (Math.abs(expected[x] - actual[x]) > TOLERANCE) {
                fail(problem + ": interest " + x / problem.dim + " component " + x % problem.dim + " is "
                        + actual[x] + ", the scalar kernel gives " + expected[x]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyInterestIsShorterThanOne(RoutingProblem problem) {
        for (RoutingKernel kernel : List.of(RoutingKernels.scalar(), RoutingKernels.vector())) {
            float[] out = problem.run(kernel);
            for (int j = 0; j < problem.k; j++) {
                double sq = 0;
                for (int c = 0; c < problem.dim; c++) {
                    sq += (double) out[j * problem.dim + c] * out[j * problem.dim + c];
                }
                assertTrue(Math.sqrt(sq) < 1.0, kernel.name() + " " + problem + ": |v_" + j + "| = " + Math.sqrt(sq));
                assertTrue(sq > 0, kernel.name() + " " + problem + ": v_" + j + " is zero");
            }
        }
    }
}
