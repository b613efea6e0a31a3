package io.mindstream.event;

import io.mindstream.event.InvalidEventException.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClickEventParserTest {

    /** A fixed "now": 2023-11-14T22:13:20Z. */
    private static final long NOW = 1_700_000_000_000L;
    private final ClickEventParser parser = new ClickEventParser(16, 512, ClickEventParser.DEFAULT_MIN_TS,
            ClickEventParser.DEFAULT_MAX_FUTURE_MILLIS, () -> NOW);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesAFullEvent() throws InvalidEventException {
        ClickEvent e = parser.parse(utf8("{\"user_id\":\"u1\",\"item_id\":\"i9\",\"ts\":1699999999000,"
                + "\"event_id\":\"e-1\",\"category\":\"books\",\"behavior\":\"click\"}"));
        assertEquals(new ClickEvent("u1", "i9", 1_699_999_999_000L, "e-1", "books", "click"), e);
    }

    @Test
    void optionalFieldsMayBeAbsentOrNullAndUnknownFieldsAreSkipped() throws InvalidEventException {
        ClickEvent e = parser.parse(utf8(" {\"ts\": 1699999999000, \"extra\": {\"nested\": [1, 2, {\"a\": null}]},"
                + " \"item_id\": \"i\", \"event_id\": null, \"user_id\": \"ü\"} \n"));
        assertEquals("ü", e.userId());
        assertNull(e.eventId());
        assertNull(e.category());
    }

    @Test
    void acceptsTheBoundsThemselves() throws InvalidEventException {
        String id = "x".repeat(16);
        parser.parse(utf8("{\"user_id\":\"" + id + "\",\"item_id\":\"i\",\"ts\":" + ClickEventParser.DEFAULT_MIN_TS + "}"));
        parser.parse(utf8("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":"
                + (NOW + ClickEventParser.DEFAULT_MAX_FUTURE_MILLIS) + "}"));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(null, Reason.EMPTY_RECORD),
                Arguments.of("", Reason.EMPTY_RECORD),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"" + "i".repeat(600) + "\",\"ts\":1699999999000}",
                        Reason.OVERSIZED),
                Arguments.of("not json", Reason.NOT_JSON),
                Arguments.of("{\"user_id\":\"u\",", Reason.NOT_JSON),
                Arguments.of("{\"user_id\":\"u\" \"item_id\":\"i\"}", Reason.NOT_JSON),
                Arguments.of("[1,2]", Reason.NOT_AN_OBJECT),
                Arguments.of("\"u1\"", Reason.NOT_AN_OBJECT),
                Arguments.of("42", Reason.NOT_AN_OBJECT),
                Arguments.of("{\"item_id\":\"i\",\"ts\":1699999999000}", Reason.MISSING_FIELD),
                Arguments.of("{\"user_id\":\"u\",\"ts\":1699999999000}", Reason.MISSING_FIELD),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\"}", Reason.MISSING_FIELD),
                Arguments.of("{\"user_id\":null,\"item_id\":\"i\",\"ts\":1699999999000}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":7,\"item_id\":\"i\",\"ts\":1699999999000}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":[\"i\"],\"ts\":1699999999000}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":\"1699999999000\"}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000.5}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1.7e12}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000,\"event_id\":5}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000,\"category\":{}}", Reason.WRONG_TYPE),
                Arguments.of("{\"user_id\":\"u\",\"user_id\":\"v\",\"item_id\":\"i\",\"ts\":1699999999000}",
                        Reason.DUPLICATE_FIELD),
                Arguments.of("{\"user_id\":\"\",\"item_id\":\"i\",\"ts\":1699999999000}", Reason.EMPTY_ID),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"  \",\"ts\":1699999999000}", Reason.EMPTY_ID),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000,\"event_id\":\"\"}", Reason.EMPTY_ID),
                Arguments.of("{\"user_id\":\"" + "u".repeat(17) + "\",\"item_id\":\"i\",\"ts\":1699999999000}",
                        Reason.ID_TOO_LONG),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999}", Reason.TS_OUT_OF_RANGE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":-5}", Reason.TS_OUT_OF_RANGE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1800000000000}", Reason.TS_OUT_OF_RANGE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":99999999999999999999999}", Reason.TS_OUT_OF_RANGE),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000} {}", Reason.TRAILING_DATA),
                Arguments.of("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1699999999000}x", Reason.TRAILING_DATA));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void rejectsWithTheReason(String input, Reason reason) {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> parser.parse(input == null ? null : utf8(input)));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    @Test
    void rejectsInvalidUtf8AsNotJson() {
        byte[] bad = utf8("{\"user_id\":\"uX\",\"item_id\":\"i\",\"ts\":1699999999000}");
        bad[13] = (byte) 0xC3; // a lead byte followed by an ASCII quote
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> parser.parse(bad));
        assertEquals(Reason.NOT_JSON, e.reason());
    }

    @Test
    void messagesNameTheFieldAndTheBound() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> parser.parse(utf8("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":\"soon\"}")));
        assertTrue(e.getMessage().contains("ts must be an integer"), e.getMessage());
        e = assertThrows(InvalidEventException.class,
                () -> parser.parse(utf8("{\"user_id\":\"u\",\"item_id\":\"i\",\"ts\":1}")));
        assertTrue(e.getMessage().contains("outside [946684800000"), e.getMessage());
    }
}
