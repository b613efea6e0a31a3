package io.mindstream.routing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutingConfigTest {

    private static RoutingConfig config(int k, boolean dynamic) {
        return new RoutingConfig(8, k, 3, 100, dynamic, RoutingSoftmax.INTERESTS, 1f);
    }

    @ParameterizedTest(name = "n={0} K={1} -> K'={2}")
    @CsvSource({
        "0, 4, 0", "1, 4, 1", "2, 4, 1", "3, 4, 1", "4, 4, 2", "7, 4, 2", "8, 4, 3", "15, 4, 3", "16, 4, 4",
        "17, 4, 4", "100, 4, 4", "1000, 4, 4", "16, 8, 4", "255, 8, 7", "256, 8, 8", "3, 1, 1", "1, 1, 1"})
    void dynamicInterestCountIsFloorLog2OfNBoundedByOneAndK(int n, int k, int expected) {
        assertEquals(expected, config(k, true).interestCount(n));
    }

    @ParameterizedTest(name = "n={0} -> K")
    @CsvSource({"1", "2", "3", "16", "1000"})
    void fixedInterestCountIsKForAnyUsableSequence(int n) {
        assertEquals(5, config(5, false).interestCount(n));
    }

    @Test
    void noUsableBehaviourMeansNoInterestsEvenWhenFixed() {
        assertEquals(0, config(5, false).interestCount(0));
    }

    @Test
    void invalidHyperParametersAreRejectedNamingTheKey() {
        assertMessage("embedding_dim", () -> new RoutingConfig(0, 4, 3, 50, true, RoutingSoftmax.INTERESTS, 1f));
        assertMessage("max_interests", () -> new RoutingConfig(8, 0, 3, 50, true, RoutingSoftmax.INTERESTS, 1f));
        assertMessage("routing_iterations", () -> new RoutingConfig(8, 4, 0, 50, true, RoutingSoftmax.INTERESTS, 1f));
        assertMessage("max_sequence_length",
                () -> new RoutingConfig(8, 4, 3, 0, true, RoutingSoftmax.INTERESTS, 1f));
        assertMessage("routing_softmax", () -> new RoutingConfig(8, 4, 3, 50, true, null, 1f));
        assertMessage("init_stddev", () -> new RoutingConfig(8, 4, 3, 50, true, RoutingSoftmax.INTERESTS, Float.NaN));
        assertMessage("init_stddev", () -> new RoutingConfig(8, 4, 3, 50, true, RoutingSoftmax.INTERESTS, -1f));
    }

    @Test
    void softmaxWireNamesRoundTripAndUnknownNamesAreRejected() {
        for (RoutingSoftmax m : RoutingSoftmax.values()) {
            assertEquals(m, RoutingSoftmax.fromWireName(m.wireName()));
        }
        assertMessage("routing_softmax", () -> RoutingSoftmax.fromWireName("capsules"));
    }

    private static void assertMessage(String key, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
    }
}
