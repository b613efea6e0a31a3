package io.mindstream.feature;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The server-side compare-and-write of one user's interests: the write is applied only when its update_seq is
 * greater than the stored one, so at-least-once duplicates, replays after a recovery and late arrivals never
 * overwrite a newer update.
 *
 * <p>update_seq is compared as a decimal string (length first, then lexicographically): exact over the whole
 * non-negative long range, where Lua's doubles would round above 2^53.
 *
 * <p>KEYS[1] = the user's hash; ARGV = update_seq, model_version, updated_at, event_ts, dim, count, interests,
 * ttl millis (0 = no expiry), user_id. The TTL is set on applied writes only: a skipped stale write says nothing
 * about the user's current activity.
 */
public final class WriteScript {

    /** The stored update_seq was lower (or absent): the hash now holds this update. */
    public static final long APPLIED = 1;
    /** The stored update_seq equals the incoming one: a duplicate, nothing changed. */
    public static final long DUPLICATE = 0;
    /** The stored update_seq is greater: a stale update, nothing changed. */
    public static final long STALE = -1;

    public static final String SOURCE = String.join("\n",
            "local cur = redis.call('HGET', KEYS[1], 'update_seq')",
            "local new = ARGV[1]",
            "if cur then",
            "  if #cur > #new or (#cur == #new and cur > new) then return -1 end",
            "  if cur == new then return 0 end",
            "end",
            "redis.call('HSET', KEYS[1], 'update_seq', new, 'model_version', ARGV[2], 'updated_at', ARGV[3],",
            "  'event_ts', ARGV[4], 'dim', ARGV[5], 'count', ARGV[6], 'interests', ARGV[7], 'user_id', ARGV[9])",
            "local ttl = tonumber(ARGV[8])",
            "if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end",
            "return 1",
            "");

    public static final byte[] SOURCE_BYTES = SOURCE.getBytes(StandardCharsets.UTF_8);

    /** SHA-1 of the source, as EVALSHA wants it; computed here so no SCRIPT LOAD round trip is needed. */
    public static final String SHA1 = sha1(SOURCE_BYTES);

    private WriteScript() {
    }

    private static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java platform", e);
        }
    }
}
