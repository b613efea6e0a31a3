package io.mindstream.event;

/**
 * One validated click: who, what, when. Produced only by {@link ClickEventParser}, so every instance satisfies
 * its bounds.
 *
 * @param userId   non-empty, at most the parser's id bound
 * @param itemId   non-empty, at most the parser's id bound
 * @param ts       event time, epoch milliseconds
 * @param eventId  the producer's id of the event, used for de-duplication (by a 64-bit key); null when absent
 * @param category optional, carried for consumers; null when absent
 * @param behavior optional (e.g. "click", "buy"); null when absent
 */
public record ClickEvent(String userId, String itemId, long ts, String eventId, String category, String behavior) {
}
