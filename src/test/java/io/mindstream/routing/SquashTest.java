package io.mindstream.routing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SquashTest {

    @Test
    void squashedLengthIsSquaredNormOverOnePlusSquaredNorm() {
        for (double norm : new double[] {1e-3, 0.1, 0.5, 1, 2, 10, 100}) {
            float sq = (float) (norm * norm);
            double length = Squash.scale(sq) * norm;
            assertEquals(norm * norm / (1 + norm * norm), length, 1e-6 * Math.max(1, length), "|z| = " + norm);
            assertTrue(length < 1.0, "|v| < 1 for |z| = " + norm);
        }
    }

    @Test
    void zeroVectorSquashesToZeroNotNaN() {
        assertEquals(0f, Squash.scale(0f));
    }
}
