package io.mindstream.event;

/**
 * A Kafka record as it came off the wire, before any parsing, with its coordinates so that a record that
 * cannot be parsed can be sent to the dead-letter topic with its origin.
 *
 * @param key       record key bytes, null when the record had none
 * @param value     record value bytes, null for a tombstone
 * @param timestamp the Kafka record timestamp (epoch millis), -1 when unknown
 */
public record RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {

    /** A record without Kafka coordinates (tests, files). */
    public static RawRecord of(byte[] value) {
        return new RawRecord("", -1, -1L, -1L, null, value);
    }
}
