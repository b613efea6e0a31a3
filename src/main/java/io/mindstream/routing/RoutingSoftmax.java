package io.mindstream.routing;

/** Which axis the routing softmax normalises over (MIND.md, "Known discrepancies"). */
public enum RoutingSoftmax {
    /** Over interests for each behaviour: the paper's formula. */
    INTERESTS("interests"),
    /** Over behaviours for each interest: what many code bases do. */
    BEHAVIOURS("behaviours");

    private final String wireName;

    RoutingSoftmax(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in config.json and on the command line. */
    public String wireName() {
        return wireName;
    }

    public static RoutingSoftmax fromWireName(String name) {
        for (RoutingSoftmax m : values()) {
            if (m.wireName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "routing_softmax must be \"interests\" or \"behaviours\", got \"" + name + "\"");
    }
}
