package io.mindstream.model;

/** A model bundle or payload that does not follow mind-bundle/1; the message says what is wrong and where. */
public class BundleException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
