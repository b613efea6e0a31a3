package io.mindstream.routing;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp on float lanes without leaving the registers. {@code lanewise(EXP)} on JDK 17 is either a call into a
 * native stub per vector or, where that stub is missing, a per-lane call to Math.exp; this polynomial (the
 * Cephes expf scheme: x = m ln2 + r with |r| <= ln2/2, a degree-6 polynomial for e^r and 2^m built in the
 * exponent bits) stays inside the loop and is accurate to about 2 ulp (relative error below 3e-7), which is
 * far inside the 1e-4 the golden cases allow.
 */
final class VectorMath {

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in a part that is exact when multiplied by a small integer, and the rest. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds to an integer and leaves that integer in the low mantissa bits. */
    private static final float ROUND_MAGIC = 12582912f;
    /** Below this e^x is subnormal; the scale 2^m would need an exponent field below 1. */
    static final float MIN_ARG = -87.0f;
    static final float MAX_ARG = 88.0f;

    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorMath() {
    }

    /** e^x per lane; arguments are clamped to [-87, 88], so e^x for x < -87 is about 1.6e-38, not 0. */
    static FloatVector exp(FloatVector x) {
        x = x.max(MIN_ARG).min(MAX_ARG);
        FloatVector t = x.fma(LOG2E, ROUND_MAGIC);
        FloatVector m = t.sub(ROUND_MAGIC);
        FloatVector r = m.fma(FloatVector.broadcast(x.species(), -LN2_HI), x);
        r = m.fma(FloatVector.broadcast(x.species(), -LN2_LO), r);
        FloatVector r2 = r.mul(r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(r.species(), P2));
        p = p.fma(r, FloatVector.broadcast(r.species(), P3));
        p = p.fma(r, FloatVector.broadcast(r.species(), P4));
        p = p.fma(r, FloatVector.broadcast(r.species(), P5));
        p = p.fma(r2, r).add(1f);
        // t's bits are those of 1.5 * 2^23 + m, so (bits + 127) << 23 is the exponent field of 2^m: the
        // constant part shifts out of the word.
        IntVector scale = ((IntVector) t.reinterpretAsInts()).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(scale.reinterpretAsFloats());
    }
}
