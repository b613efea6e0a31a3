package io.mindstream.feature;

/** The feature store cannot be reached or holds a value this layout cannot read. */
public class FeatureStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public FeatureStoreException(String message) {
        super(message);
    }

    public FeatureStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
