package io.mindstream.bench;

import io.mindstream.model.InterestEncoder;
import io.mindstream.model.MindModel;
import io.mindstream.routing.RoutingKernels;
import io.mindstream.routing.RoutingSoftmax;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ND4J baseline computes the same interests as the reference kernel, so the benchmark compares like with like. */
class Nd4jRoutingTest {

    @Test
    void nd4jBaselineAgreesWithTheScalarKernel() {
        for (RoutingSoftmax softmax : RoutingSoftmax.values()) {
            for (int[] shape : new int[][] {{20, 32, 4}, {50, 64, 4}, {13, 7, 3}}) {
                int length = shape[0];
                MindModel model = BenchModels.model(11, 500, shape[1], shape[2], 3, length, softmax);
                String[][] sequences = BenchModels.sequences(5, model, 4, length);
                Nd4jRouting nd4j = new Nd4jRouting(model);
                InterestEncoder reference = new InterestEncoder(RoutingKernels.scalar());
                for (int u = 0; u < sequences.length; u++) {
                    float[] expected = reference.encode(model, "user-" + u, sequences[u], length).toFlatArray();
                    float[] actual = nd4j.encode("user-" + u, sequences[u], length);
                    assertEquals(expected.length, actual.length);
                    for (int x = 0; x < expected.length; x++) {
                        assertEquals(expected[x], actual[x], 1e-4, softmax + " L,d,K=" + shape[0] + "," + shape[1]
                                + "," + shape[2] + " user " + u + " component " + x);
                    }
                }
            }
        }
    }
}
