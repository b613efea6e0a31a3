package io.mindstream.event;

/** Encodes and decodes the value of an interests-topic record. Implementations are stateless and thread-safe. */
public interface InterestCodec {

    byte[] encode(InterestUpdate update);

    /** @throws IllegalArgumentException when the bytes are not a valid record of this encoding */
    InterestUpdate decode(byte[] bytes);
}
