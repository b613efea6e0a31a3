package io.mindstream.bench;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A metric reporter for the embedded runtime of {@link PipelineBenchmark}: it keeps the operators' counters and the
 * job's checkpoint gauges of the given names, so that the benchmark can read what the job itself counted (the
 * updater's window cache hits and misses, the bytes each checkpoint uploaded) over the measured interval. Found through {@code META-INF/services} and enabled only by the benchmark's
 * configuration ({@code metrics.reporter.bench.factory.class}).
 */
public final class CapturedCounters implements MetricReporterFactory {

    static final Set<String> NAMES = Set.of("windowCacheHits", "windowCacheMisses", "windowStateAppends",
            "windowStateSnapshots");
    static final Set<String> GAUGES = Set.of("numberOfCompletedCheckpoints", "lastCheckpointSize",
            "lastCheckpointFullSize", "windowCacheUsers", "windowCacheBytes");
    private static final ConcurrentHashMap<String, List<Counter>> COUNTERS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, List<Gauge<?>>> GAUGE_VALUES = new ConcurrentHashMap<>();

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new MetricReporter() {
            @Override
            public void open(MetricConfig config) {
            }

            @Override
            public void close() {
            }

            @Override
            public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
                if (metric instanceof Counter c && NAMES.contains(name)) {
                    COUNTERS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(c);
                } else if (metric instanceof Gauge<?> g && GAUGES.contains(name)) {
                    GAUGE_VALUES.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(g);
                }
            }

            @Override
            public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
                List<Counter> list = COUNTERS.get(name);
                if (list != null) {
                    list.remove(metric);
                }
                List<Gauge<?>> gauges = GAUGE_VALUES.get(name);
                if (gauges != null) {
                    gauges.remove(metric);
                }
            }
        };
    }

    /** The sum over every live operator instance of the counter {@code name} (one of {@link #NAMES}). */
    static long sum(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("not captured: " + name);
        }
        long total = 0;
        for (Counter c : COUNTERS.getOrDefault(name, List.of())) {
            total += c.getCount();
        }
        return total;
    }

    /** The sum over every live operator instance of the gauge {@code name} (one of {@link #GAUGES}). */
    static long gaugeSum(String name) {
        if (!GAUGES.contains(name)) {
            throw new IllegalArgumentException("not captured: " + name);
        }
        long total = 0;
        for (Gauge<?> g : GAUGE_VALUES.getOrDefault(name, List.of())) {
            if (g.getValue() instanceof Number n) {
                total += n.longValue();
            }
        }
        return total;
    }

    /** The newest registered gauge {@code name} (one of {@link #GAUGES}) as a number, or -1 when there is none. */
    static long gauge(String name) {
        if (!GAUGES.contains(name)) {
            throw new IllegalArgumentException("not captured: " + name);
        }
        List<Gauge<?>> gauges = GAUGE_VALUES.getOrDefault(name, List.of());
        if (gauges.isEmpty()) {
            return -1;
        }
        return gauges.get(gauges.size() - 1).getValue() instanceof Number n ? n.longValue() : -1;
    }
}
