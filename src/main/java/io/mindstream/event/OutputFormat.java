package io.mindstream.event;

/** The encodings of the interests topic; both are documented in docs/EVENTS.md. */
public enum OutputFormat {
    JSON(new JsonInterestCodec()),
    BINARY(new BinaryInterestCodec());

    private final InterestCodec codec;

    OutputFormat(InterestCodec codec) {
        this.codec = codec;
    }

    public InterestCodec codec() {
        return codec;
    }

    /** Parses "json" / "binary" (any case). */
    public static OutputFormat parse(String s) {
        for (OutputFormat f : values()) {
            if (f.name().equalsIgnoreCase(s)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown output format \"" + s + "\" (expected json or binary)");
    }
}
