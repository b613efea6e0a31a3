package io.mindstream.demo;

import java.util.concurrent.TimeUnit;

/** Paces a loop at a fixed number of actions per second, catching up in bursts after a stall. */
public final class Pacer {

    private final double perNano;
    private final long start = System.nanoTime();
    private long done;

    public Pacer(int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("rate must be positive, got " + perSecond);
        }
        this.perNano = perSecond / 1e9;
    }

    /** How many actions are due now; the caller performs them and reports with {@link #done(long)}. */
    public long due() {
        return (long) ((System.nanoTime() - start) * perNano) - done;
    }

    public void done(long n) {
        done += n;
    }

    /** Nanoseconds since the pacer started. */
    public long elapsedNanos() {
        return System.nanoTime() - start;
    }

    /** Sleeps a millisecond: the granularity of the pacing. */
    public void tick() throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(1);
    }
}
