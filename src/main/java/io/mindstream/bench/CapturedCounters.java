package io.mindstream.bench;

import org.apache.flink.metrics.Counter;
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
 * A metric reporter for the embedded runtime of {@link PipelineBenchmark}: it keeps the operators' counters of the
 * given names, so that the benchmark can read what the job itself counted (the updater's window cache hits and
 * misses) over the measured interval. Found through {@code META-INF/services} and enabled only by the benchmark's
 * configuration ({@code metrics.reporter.bench.factory.class}).
 */
public final class CapturedCounters implements MetricReporterFactory {

    static final Set<String> NAMES = Set.of("windowCacheHits", "windowCacheMisses");
    private static final ConcurrentHashMap<String, List<Counter>> COUNTERS = new ConcurrentHashMap<>();

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
                }
            }

            @Override
            public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
                List<Counter> list = COUNTERS.get(name);
                if (list != null) {
                    list.remove(metric);
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
}
