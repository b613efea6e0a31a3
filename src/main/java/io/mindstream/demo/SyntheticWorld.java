package io.mindstream.demo;

import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Synthetic click traffic with a planted multi-interest structure, so that a demo can show what the model
 * recovered. Items fall into clusters that stand for categories; inside a cluster popularity follows a Zipf
 * law. Every user mixes 1-5 clusters with weights that drift from click to click, and clicks in sessions:
 * short exponential gaps inside a session, long ones between sessions, each user at their own pace
 * (log-normal activity). Deterministic for a seed.
 *
 * <p>Not thread-safe: one generator per thread.
 */
public final class SyntheticWorld {

    /** Shape of a world. */
    public record Shape(int clusters, int itemsPerCluster, int users, double zipfExponent) {
        public Shape {
            if (clusters < 1 || itemsPerCluster < 1 || users < 1) {
                throw new IllegalArgumentException("clusters, items per cluster and users must be positive");
            }
            if (!(zipfExponent >= 0) || zipfExponent > 10) {
                throw new IllegalArgumentException("zipf exponent must be in [0, 10], got " + zipfExponent);
            }
        }

        public static Shape defaults() {
            return new Shape(20, 100, 5_000, 1.1);
        }
    }

    /** One generated click; ts in epoch millis of the simulated clock. */
    public record Click(String userId, String itemId, String category, long ts, String eventId) {
    }

    private static final double MEAN_GAP_IN_SESSION_MS = 25_000;
    private static final double MEAN_GAP_BETWEEN_SESSIONS_MS = 3 * 3_600_000.0;
    private static final double SESSION_END_PROBABILITY = 0.08;
    private static final double DRIFT_SIGMA = 0.08;

    private final Shape shape;
    private final SplittableRandom random;
    private final double[] zipfCdf;
    private final int[][] userClusters;
    private final double[][] userWeights;
    private final double[] userPace;
    private final long[] eventCounter;
    private final PriorityQueue<long[]> next = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));

    public SyntheticWorld(Shape shape, long seed, long startMillis) {
        this.shape = shape;
        this.random = new SplittableRandom(seed);
        this.zipfCdf = zipfCdf(shape.itemsPerCluster(), shape.zipfExponent());
        this.userClusters = new int[shape.users()][];
        this.userWeights = new double[shape.users()][];
        this.userPace = new double[shape.users()];
        this.eventCounter = new long[shape.users()];
        for (int u = 0; u < shape.users(); u++) {
            int m = 1 + random.nextInt(Math.min(5, shape.clusters()));
            userClusters[u] = distinctClusters(m);
            userWeights[u] = new double[m];
            for (int k = 0; k < m; k++) {
                userWeights[u][k] = -Math.log(1 - random.nextDouble());
            }
            normalise(userWeights[u]);
            userPace[u] = Math.exp(random.nextGaussian() * 0.7);
            long first = startMillis + (long) (random.nextDouble() * MEAN_GAP_BETWEEN_SESSIONS_MS / userPace[u]);
            next.add(new long[] {first, u});
        }
    }

    public Shape shape() {
        return shape;
    }

    /** The next click in timestamp order across all users. */
    public Click next() {
        long[] head = next.poll();
        int u = (int) head[1];
        long ts = head[0];
        drift(userWeights[u]);
        int slot = pick(userWeights[u]);
        int cluster = userClusters[u][slot];
        int rank = Arrays.binarySearch(zipfCdf, random.nextDouble());
        int item = rank >= 0 ? rank : Math.min(-rank - 1, zipfCdf.length - 1);
        double mean = random.nextDouble() < SESSION_END_PROBABILITY ? MEAN_GAP_BETWEEN_SESSIONS_MS : MEAN_GAP_IN_SESSION_MS;
        long gap = 1 + (long) (-Math.log(1 - random.nextDouble()) * mean / userPace[u]);
        head[0] = ts + gap;
        next.add(head);
        long n = eventCounter[u]++;
        return new Click(userId(u), itemId(cluster, item), category(cluster), ts, userId(u) + "-" + n);
    }

    public static String userId(int user) {
        return "user-" + user;
    }

    public static String itemId(int cluster, int item) {
        return "c" + cluster + "-i" + item;
    }

    public static String category(int cluster) {
        return "c" + cluster;
    }

    /** The planted cluster of an item id of this generator, or -1 for a foreign id. */
    public static int clusterOf(String itemId) {
        if (itemId == null || itemId.length() < 4 || itemId.charAt(0) != 'c') {
            return -1;
        }
        int dash = itemId.indexOf("-i");
        if (dash < 2) {
            return -1;
        }
        try {
            return Integer.parseInt(itemId, 1, dash, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The clusters user u mixes (planted truth). */
    public int[] clustersOf(int user) {
        return userClusters[user].clone();
    }

    private int[] distinctClusters(int m) {
        int[] all = new int[shape.clusters()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(all.length - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return Arrays.copyOf(all, m);
    }

    private void drift(double[] w) {
        for (int k = 0; k < w.length; k++) {
            w[k] *= Math.exp(random.nextGaussian() * DRIFT_SIGMA);
        }
        normalise(w);
    }

    private int pick(double[] w) {
        double x = random.nextDouble();
        for (int k = 0; k < w.length - 1; k++) {
            x -= w[k];
            if (x < 0) {
                return k;
            }
        }
        return w.length - 1;
    }

    private static void normalise(double[] w) {
        double s = 0;
        for (double x : w) {
            s += x;
        }
        for (int k = 0; k < w.length; k++) {
            w[k] /= s;
        }
    }

    private static double[] zipfCdf(int n, double s) {
        double[] cdf = new double[n];
        double total = 0;
        for (int r = 0; r < n; r++) {
            total += 1.0 / Math.pow(r + 1, s);
            cdf[r] = total;
        }
        for (int r = 0; r < n; r++) {
            cdf[r] /= total;
        }
        cdf[n - 1] = 1.0;
        return cdf;
    }
}
