package io.mindstream.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API bodies of {@link FastMath}; loaded only when the incubator module is present. */
final class VectorMath {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private VectorMath() {
    }

    static float max(float[] a, int from, int len) {
        int end = from + len;
        int i = from;
        FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int bound = from + SPECIES.loopBound(len); i < bound; i += SPECIES.length()) {
            acc = acc.max(FloatVector.fromArray(SPECIES, a, i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < end; i++) {
            m = Math.max(m, a[i]);
        }
        return m;
    }

    static double expShiftSum(float[] a, int from, int len, float shift) {
        int end = from + len;
        int i = from;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int bound = from + SPECIES.loopBound(len); i < bound; i += SPECIES.length()) {
            FloatVector e = FloatVector.fromArray(SPECIES, a, i).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(a, i);
            acc = acc.add(e);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < end; i++) {
            float e = (float) Math.exp(a[i] - shift);
            a[i] = e;
            sum += e;
        }
        return sum;
    }

    static void scale(float[] a, int from, int len, float f) {
        int end = from + len;
        int i = from;
        for (int bound = from + SPECIES.loopBound(len); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, a, i).mul(f).intoArray(a, i);
        }
        for (; i < end; i++) {
            a[i] *= f;
        }
    }
}
