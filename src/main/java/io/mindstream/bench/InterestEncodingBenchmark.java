package io.mindstream.bench;

import io.mindstream.event.InterestUpdate;
import io.mindstream.event.OutputFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Encode and decode cost of one interest update in both output formats (the record size is printed by
 * InterestCodecTest). Run: {@code java -cp ... org.openjdk.jmh.Main InterestEncodingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InterestEncodingBenchmark {

    @Param({"JSON", "BINARY"})
    public OutputFormat format;

    @Param({"64"})
    public int dim;

    private InterestUpdate update;
    private byte[] encoded;

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(1);
        int k = 4;
        float[] v = new float[k * dim];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian() * 0.2f;
        }
        update = new InterestUpdate("user-0012345", "2024-06-01T00:00:00Z-abc", k, dim, v,
                InterestUpdate.Cause.EVENT, "event-00000001234", 1_717_000_000_000L, 50, 2, 1234,
                1_717_000_000_500L);
        encoded = format.codec().encode(update);
    }

    @Benchmark
    public byte[] encode() {
        return format.codec().encode(update);
    }

    @Benchmark
    public InterestUpdate decode() {
        return format.codec().decode(encoded);
    }
}
