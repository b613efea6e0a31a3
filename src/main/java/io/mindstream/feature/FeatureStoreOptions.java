package io.mindstream.feature;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how the Redis feature store is written: parsed and validated once from the one
 * {@code --feature-store} value, so the job and the {@code lookup} command take the same string.
 *
 * <pre>
 * redis://HOST[:PORT][/DB][?param=value&amp;...]     plain TCP (PORT defaults to 6379, DB to 0)
 * rediss://HOST[:PORT][/DB][?...]                   TLS, handed to the client as is
 * </pre>
 *
 * <p>Credentials never appear in the URL (they would end up in process listings, job graphs and logs): the
 * password is read from the environment variable named by {@code password-env} (default
 * {@value #DEFAULT_PASSWORD_ENV}) when the connection is opened, on the machine that opens it, and the
 * ACL user name, if any, from {@code username-env}. Nothing here prints a secret.
 *
 * <p>Query parameters (all optional): see {@link Param}. Every error names the parameter.
 */
public final class FeatureStoreOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The option name used in error messages. */
    public static final String OPTION = "--feature-store";
    public static final String DEFAULT_KEY_PREFIX = "mind:interests:";
    public static final int DEFAULT_PORT = 6379;
    public static final String DEFAULT_PASSWORD_ENV = "MINDSTREAM_REDIS_PASSWORD";
    public static final String DEFAULT_USERNAME_ENV = "MINDSTREAM_REDIS_USERNAME";

    /** The query parameters of the URL, with their defaults. */
    public enum Param {
        /** Prefix of every key; the key of a user is prefix + user_id. Default {@code mind:interests:}. */
        KEY_PREFIX("key-prefix", DEFAULT_KEY_PREFIX),
        /** TTL of a user's hash, refreshed on every applied write (ISO-8601 duration or millis); 0 = none. */
        TTL("ttl", "0"),
        /** Most writes in one pipelined batch. */
        BATCH_SIZE("batch-size", "500"),
        /** Most batches outstanding at once per sink subtask. */
        MAX_IN_FLIGHT("max-in-flight", "4"),
        /** Most writes buffered per subtask before the sink backpressures its input. */
        MAX_BUFFERED("max-buffered", "10000"),
        /** Longest a write waits in the buffer for its batch to fill. */
        MAX_TIME_IN_BUFFER("max-time-in-buffer", "PT0.1S"),
        /** Largest accepted write (encoded interests plus fields), bytes. */
        MAX_RECORD_BYTES("max-record-bytes", "1048576"),
        /** How long one Redis command may take before its batch is retried. */
        COMMAND_TIMEOUT("command-timeout", "PT10S"),
        /** How long writes may keep failing with no successful batch before the sink fails the job. */
        RETRY_TIMEOUT("retry-timeout", "PT5M"),
        /** Environment variable holding the password (read when connecting); unset variable = no AUTH. */
        PASSWORD_ENV("password-env", DEFAULT_PASSWORD_ENV),
        /** Environment variable holding the ACL user name (read when connecting). */
        USERNAME_ENV("username-env", DEFAULT_USERNAME_ENV),
        /** rediss:// only: full (certificate and host name), ca (certificate only) or none. */
        VERIFY_PEER("verify-peer", "full");

        private final String key;
        private final String defaultValue;

        Param(String key, String defaultValue) {
            this.key = key;
            this.defaultValue = defaultValue;
        }

        public String key() {
            return key;
        }

        public String defaultValue() {
            return defaultValue;
        }

        static Param byKey(String key) {
            for (Param p : values()) {
                if (p.key.equals(key)) {
                    return p;
                }
            }
            return null;
        }
    }

    /** Certificate checks for rediss://. */
    public enum VerifyPeer { FULL, CA, NONE }

    private final String host;
    private final int port;
    private final int database;
    private final boolean tls;
    private final VerifyPeer verifyPeer;
    private final String keyPrefix;
    private final Duration ttl;
    private final int batchSize;
    private final int maxInFlight;
    private final int maxBuffered;
    private final Duration maxTimeInBuffer;
    private final long maxRecordBytes;
    private final Duration commandTimeout;
    private final Duration retryTimeout;
    private final String passwordEnv;
    private final String usernameEnv;

    private FeatureStoreOptions(String host, int port, int database, boolean tls, Map<Param, String> p) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.tls = tls;
        this.keyPrefix = p.get(Param.KEY_PREFIX);
        this.ttl = nonNegativeDuration(Param.TTL, p.get(Param.TTL));
        this.batchSize = intInRange(Param.BATCH_SIZE, p.get(Param.BATCH_SIZE), 1, 100_000);
        this.maxInFlight = intInRange(Param.MAX_IN_FLIGHT, p.get(Param.MAX_IN_FLIGHT), 1, 1_000);
        this.maxBuffered = intInRange(Param.MAX_BUFFERED, p.get(Param.MAX_BUFFERED), 2, 10_000_000);
        this.maxTimeInBuffer = positiveDuration(Param.MAX_TIME_IN_BUFFER, p.get(Param.MAX_TIME_IN_BUFFER));
        this.maxRecordBytes = intInRange(Param.MAX_RECORD_BYTES, p.get(Param.MAX_RECORD_BYTES), 64, 512 << 20);
        this.commandTimeout = positiveDuration(Param.COMMAND_TIMEOUT, p.get(Param.COMMAND_TIMEOUT));
        this.retryTimeout = positiveDuration(Param.RETRY_TIMEOUT, p.get(Param.RETRY_TIMEOUT));
        this.passwordEnv = envName(Param.PASSWORD_ENV, p.get(Param.PASSWORD_ENV));
        this.usernameEnv = envName(Param.USERNAME_ENV, p.get(Param.USERNAME_ENV));
        this.verifyPeer = verifyPeer(p.get(Param.VERIFY_PEER));
        if (keyPrefix.isEmpty() || keyPrefix.length() > 256) {
            throw error(Param.KEY_PREFIX, "must have 1 to 256 characters");
        }
        if (maxBuffered <= batchSize) {
            throw error(Param.MAX_BUFFERED, "(" + maxBuffered + ") must be greater than "
                    + Param.BATCH_SIZE.key + " (" + batchSize + ")");
        }
    }

    /** Parses {@code redis://HOST[:PORT][/DB][?param=value&...]} or {@code rediss://...}. */
    public static FeatureStoreOptions parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(OPTION + " needs a URL redis://HOST:PORT[/DB]");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(OPTION + " is not a valid URL (" + e.getReason()
                    + "); expected redis://HOST:PORT[/DB]");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException(OPTION + " must start with redis:// or rediss://, got '"
                    + (scheme.isEmpty() ? "(no scheme)" : scheme + "://") + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(OPTION + " must not carry credentials in the URL; put the password in "
                    + "the environment variable " + DEFAULT_PASSWORD_ENV + " (or the one named by "
                    + Param.PASSWORD_ENV.key + ")");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException(OPTION + " has no host: expected redis://HOST:PORT[/DB]");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(OPTION + " port must be in [1, 65535], got " + port);
        }
        int database = 0;
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            String db = path.substring(1);
            try {
                database = Integer.parseInt(db);
            } catch (NumberFormatException e) {
                database = -1;
            }
            if (database < 0 || !db.equals(Integer.toString(database))) {
                throw new IllegalArgumentException(OPTION + " database (the URL path) must be a non-negative integer, "
                        + "got '" + db + "'");
            }
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException(OPTION + " must not have a #fragment");
        }
        return new FeatureStoreOptions(host, port, database, scheme.equals("rediss"), query(uri.getRawQuery()));
    }

    private static Map<Param, String> query(String rawQuery) {
        Map<Param, String> values = new LinkedHashMap<>();
        for (Param p : Param.values()) {
            values.put(p, p.defaultValue);
        }
        if (rawQuery == null || rawQuery.isEmpty()) {
            return values;
        }
        Set<Param> seen = java.util.EnumSet.noneOf(Param.class);
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            Param p = Param.byKey(key);
            if (p == null) {
                throw new IllegalArgumentException(OPTION + " has an unknown parameter '" + key + "'; known: "
                        + java.util.Arrays.stream(Param.values()).map(Param::key).toList());
            }
            if (eq < 0) {
                throw error(p, "needs a value (" + key + "=...)");
            }
            if (!seen.add(p)) {
                throw error(p, "is given twice");
            }
            values.put(p, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static IllegalArgumentException error(Param p, String message) {
        return new IllegalArgumentException(OPTION + " parameter '" + p.key + "' " + message);
    }

    private static int intInRange(Param p, String value, int min, int max) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v < min || v > max) {
                throw error(p, "must be in [" + min + ", " + max + "], got " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw error(p, "must be an integer, got '" + value + "'");
        }
    }

    private static Duration duration(Param p, String value) {
        String v = value.trim();
        if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofMillis(Long.parseLong(v));
            } catch (NumberFormatException e) {
                throw error(p, "is too large: '" + value + "'");
            }
        }
        try {
            return Duration.parse(v.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw error(p, "must be an ISO-8601 duration (e.g. PT10S, P7D) or milliseconds, got '" + value + "'");
        }
    }

    private static Duration nonNegativeDuration(Param p, String value) {
        Duration d = duration(p, value);
        if (d.isNegative()) {
            throw error(p, "must not be negative, got " + value);
        }
        if (!d.isZero() && d.toMillis() == 0) {
            throw error(p, "must be 0 or at least 1 ms, got " + value);
        }
        return d;
    }

    private static Duration positiveDuration(Param p, String value) {
        Duration d = duration(p, value);
        if (d.isNegative() || d.toMillis() == 0) {
            throw error(p, "must be at least 1 ms, got " + value);
        }
        return d;
    }

    private static String envName(Param p, String value) {
        if (!value.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw error(p, "must be an environment variable name, got '" + value + "'");
        }
        return value;
    }

    private static VerifyPeer verifyPeer(String value) {
        try {
            return VerifyPeer.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error(Param.VERIFY_PEER, "must be one of full, ca, none; got '" + value + "'");
        }
    }

    /** The key of a user's hash. */
    public String key(String userId) {
        return keyPrefix + userId;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int database() {
        return database;
    }

    public boolean tls() {
        return tls;
    }

    public VerifyPeer verifyPeer() {
        return verifyPeer;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    /** TTL of a user's hash; zero means the hash never expires. */
    public Duration ttl() {
        return ttl;
    }

    public int batchSize() {
        return batchSize;
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    public int maxBuffered() {
        return maxBuffered;
    }

    public Duration maxTimeInBuffer() {
        return maxTimeInBuffer;
    }

    public long maxRecordBytes() {
        return maxRecordBytes;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    public Duration retryTimeout() {
        return retryTimeout;
    }

    public String passwordEnv() {
        return passwordEnv;
    }

    public String usernameEnv() {
        return usernameEnv;
    }

    /** The endpoint without any secret, for logs and messages. */
    public String describe() {
        return (tls ? "rediss://" : "redis://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
                + "/" + database;
    }

    @Override
    public String toString() {
        return "FeatureStoreOptions[" + describe() + ", key-prefix=" + keyPrefix + ", ttl=" + ttl + ", batch-size="
                + batchSize + ", max-in-flight=" + maxInFlight + ", max-buffered=" + maxBuffered
                + ", max-time-in-buffer=" + maxTimeInBuffer + ", command-timeout=" + commandTimeout
                + ", retry-timeout=" + retryTimeout + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureStoreOptions f && toString().equals(f.toString()) && tls == f.tls
                && verifyPeer == f.verifyPeer && maxRecordBytes == f.maxRecordBytes
                && passwordEnv.equals(f.passwordEnv) && usernameEnv.equals(f.usernameEnv);
    }

    @Override
    public int hashCode() {
        return Objects.hash(toString(), passwordEnv);
    }
}
