package io.mindstream.routing;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorMathTest {

    /** Over the whole range the softmax feeds it (x - max <= 0) and a little above, relative error < 1e-6. */
    @Test
    void expIsAccurateToAMillionthRelative() {
        int lanes = VectorRoutingKernel.SPECIES.length();
        float[] x = new float[lanes];
        float[] y = new float[lanes];
        double worst = 0;
        for (int step = 0; step <= 2_000_000; step += lanes) {
            for (int l = 0; l < lanes; l++) {
                x[l] = -87f + (step + l) * (97f / 2_000_000f);
            }
            VectorMath.exp(FloatVector.fromArray(VectorRoutingKernel.SPECIES, x, 0)).intoArray(y, 0);
            for (int l = 0; l < lanes; l++) {
                double exact = Math.exp(x[l]);
                worst = Math.max(worst, Math.abs(y[l] - exact) / exact);
            }
        }
        assertTrue(worst < 1e-6, "worst relative error " + worst);
    }

    @Test
    void expOfZeroIsOneAndVeryNegativeArgumentsStayFiniteAndTiny() {
        float[] x = new float[VectorRoutingKernel.SPECIES.length()];
        x[0] = 0f;
        for (int l = 1; l < x.length; l++) {
            x[l] = l % 2 == 0 ? Float.NEGATIVE_INFINITY : -1e6f;
        }
        float[] y = new float[x.length];
        VectorMath.exp(FloatVector.fromArray(VectorRoutingKernel.SPECIES, x, 0)).intoArray(y, 0);
        assertEquals(1f, y[0]);
        for (int l = 1; l < y.length; l++) {
            assertTrue(y[l] >= 0f && y[l] < 1e-37f, "exp(" + x[l] + ") = " + y[l]);
        }
    }
}
