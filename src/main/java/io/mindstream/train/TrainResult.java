package io.mindstream.train;

import io.mindstream.model.MindModel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of {@link Trainer#train}: the model (best validation weights) and the measures of MIND and the
 * baselines on the same held-out users ({@code measuredOn} says which: "test", or "validation" when the input
 * was only a training population).
 */
public record TrainResult(MindModel model, String measuredOn, Map<String, RankingMetrics> metrics, RunStats mind,
                          RunStats singleVector, int trainUsers, int validationUsers, int testUsers, int negatives,
                          double validationRecall50, double previousValidationRecall50) {

    /**
     * The quality gate of periodic training: publish only when the new model's validation Recall@50 is at
     * least (1 - tolerance) times the previous model's on the same users (always true without a previous one).
     */
    public boolean passesGate(double tolerance) {
        return Double.isNaN(previousValidationRecall50) || validationRecall50 >= (1 - tolerance) * previousValidationRecall50;
    }

    /** How one model's training went. */
    public record RunStats(long steps, long samples, double seconds, double samplesPerSecond, long bestStep,
                           double bestValidationRecall50, int evaluations, boolean stoppedEarly, double finalLoss) {

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("steps", steps);
            m.put("samples", samples);
            m.put("seconds", seconds);
            m.put("samples_per_second", samplesPerSecond);
            m.put("best_step", bestStep);
            m.put("best_validation_recall@50", bestValidationRecall50);
            m.put("evaluations", evaluations);
            m.put("stopped_early", stoppedEarly);
            m.put("final_loss", finalLoss);
            return m;
        }
    }

    /** The JSON report (without the options, which the caller adds). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_version", model.version());
        m.put("measured_on", measuredOn);
        m.put("validation_recall@50", validationRecall50);
        if (!Double.isNaN(previousValidationRecall50)) {
            m.put("previous_model_validation_recall@50", previousValidationRecall50);
        }
        m.put("users", Map.of("train", trainUsers, "validation", validationUsers, "test", testUsers));
        m.put("vocabulary", model.itemCount());
        m.put("output_layer", negatives == 0 ? "full softmax" : "sampled softmax (" + negatives + " negatives, log-Q)");
        Map<String, Object> ms = new LinkedHashMap<>();
        metrics.forEach((k, v) -> ms.put(k, v.toMap()));
        m.put("metrics", ms);
        Map<String, Object> runs = new LinkedHashMap<>();
        runs.put("mind", mind.toMap());
        if (singleVector != null) {
            runs.put("single_vector", singleVector.toMap());
        }
        m.put("training", runs);
        return m;
    }

    /** The measures as a fixed-width table, one row per model. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-14s %9s %9s %9s %9s %9s %9s%n", "model (" + measuredOn + ")", "Recall@20",
                "HR@20", "NDCG@20", "Recall@50", "HR@50", "NDCG@50"));
        metrics.forEach((name, r) -> sb.append(String.format("%-14s %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f%n", name,
                r.recall(20), r.hitRate(20), r.ndcg(20), r.recall(50), r.hitRate(50), r.ndcg(50))));
        return sb.toString();
    }
}
