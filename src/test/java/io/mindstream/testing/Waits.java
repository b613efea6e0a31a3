package io.mindstream.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Polling with a deadline: a condition that never holds fails with what was last seen, instead of hanging. */
public final class Waits {

    private Waits() {}

    /**
     * Polls {@code probe} every {@code interval} until it returns true. Exceptions count as "not yet" (a
     * server that is still starting refuses connections); the last one is reported on timeout.
     */
    public static void until(String what, Duration timeout, Duration interval, Callable<Boolean> probe,
            Supplier<String> diagnostics) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(probe.call())) {
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError error = new AssertionError("timed out after " + timeout + " waiting for " + what
                        + (last == null ? "" : " (last error: " + last + ")") + "\n" + diagnostics.get());
                if (last != null) {
                    error.addSuppressed(last);
                }
                throw error;
            }
            Thread.sleep(interval.toMillis());
        }
    }
}
