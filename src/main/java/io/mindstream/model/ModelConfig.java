package io.mindstream.model;

import io.mindstream.routing.RoutingConfig;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of a bundle's config.json: the format tag, the model version, the routing hyper-parameters,
 * and any extra keys (kept verbatim, as raw JSON text, so a bundle round-trips without loss).
 */
public record ModelConfig(String modelVersion, RoutingConfig routing, Map<String, String> extras) {

    public static final String FORMAT = "mind-bundle/1";
    /** Longest accepted model_version. */
    public static final int MAX_VERSION_LENGTH = 256;

    public ModelConfig {
        Objects.requireNonNull(routing, "routing");
        if (modelVersion == null || modelVersion.isEmpty()) {
            throw new IllegalArgumentException("model_version is missing or empty");
        }
        if (modelVersion.length() > MAX_VERSION_LENGTH) {
            throw new IllegalArgumentException("model_version is longer than " + MAX_VERSION_LENGTH + " characters");
        }
        extras = extras == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extras));
    }

    public ModelConfig(String modelVersion, RoutingConfig routing) {
        this(modelVersion, routing, Map.of());
    }

    public int dim() {
        return routing.embeddingDim();
    }
}
