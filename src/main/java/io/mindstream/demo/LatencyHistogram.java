package io.mindstream.demo;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in milliseconds in logarithmic buckets (about 2% wide), safe to record from one thread while
 * another reads. Quantiles are exact to the bucket width; enough for p50/p99 of update latency.
 */
public final class LatencyHistogram {

    private static final int SUB_BUCKETS = 32;
    private static final int OCTAVES = 24;
    private final AtomicLongArray counts = new AtomicLongArray(SUB_BUCKETS * OCTAVES + 1);

    /** Records one latency, in microseconds for resolution (reported in milliseconds). */
    public void recordMicros(long micros) {
        counts.incrementAndGet(bucket(Math.max(0, micros)));
    }

    public long count() {
        long n = 0;
        for (int i = 0; i < counts.length(); i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The q-quantile in milliseconds (the upper edge of its bucket); NaN when empty. */
    public double quantileMillis(double q) {
        long total = count();
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= Math.max(1, rank)) {
                return upperEdgeMicros(i) / 1000.0;
            }
        }
        return upperEdgeMicros(counts.length() - 1) / 1000.0;
    }

    /** Adds every count of {@code other} into this one. */
    public void add(LatencyHistogram other) {
        for (int i = 0; i < counts.length(); i++) {
            counts.addAndGet(i, other.counts.get(i));
        }
    }

    public void reset() {
        for (int i = 0; i < counts.length(); i++) {
            counts.set(i, 0);
        }
    }

    static int bucket(long micros) {
        if (micros < SUB_BUCKETS) {
            return (int) micros;
        }
        int octave = 63 - Long.numberOfLeadingZeros(micros) - 4; // micros >= 32 -> octave >= 1
        if (octave >= OCTAVES) {
            return SUB_BUCKETS * OCTAVES;
        }
        int sub = (int) ((micros >>> (octave - 1)) - SUB_BUCKETS) & (SUB_BUCKETS - 1);
        return octave * SUB_BUCKETS + sub;
    }

    static long upperEdgeMicros(int bucket) {
        if (bucket < SUB_BUCKETS) {
            return bucket + 1;
        }
        if (bucket >= SUB_BUCKETS * OCTAVES) {
            return Long.MAX_VALUE / 2;
        }
        int octave = bucket / SUB_BUCKETS;
        int sub = bucket % SUB_BUCKETS;
        return (long) (SUB_BUCKETS + sub + 1) << (octave - 1);
    }
}
