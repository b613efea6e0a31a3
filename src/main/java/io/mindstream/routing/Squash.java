package io.mindstream.routing;

/** The capsule squash non-linearity of MIND.md, shared by every kernel and the trainer's checks. */
public final class Squash {

    /** Added under the square root so that a zero vector squashes to zero instead of NaN. */
    public static final float EPSILON = 1e-9f;

    private Squash() {
    }

    /**
     * The factor that squash multiplies z by, given |z|^2:
     * |z|^2 / (1 + |z|^2) / sqrt(|z|^2 + 1e-9).
     */
    public static float scale(float squaredNorm) {
        return squaredNorm / (1f + squaredNorm) / (float) Math.sqrt(squaredNorm + EPSILON);
    }
}
