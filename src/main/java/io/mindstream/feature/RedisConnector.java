package io.mindstream.feature;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Opens Lettuce connections for the feature store: one place for the endpoint, credentials, timeouts and the
 * reconnect policy, shared by the sink and the reader.
 */
public final class RedisConnector implements AutoCloseable {

    private final FeatureStoreOptions options;
    private final ClientResources resources;
    private final RedisClient client;

    private RedisConnector(FeatureStoreOptions options, Function<String, String> env) {
        this.options = options;
        // Two small pools: a sink subtask owns one connection, so more threads only add context switches.
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, redisUri(options, env));
        this.client.setOptions(clientOptions(options));
    }

    /** A connector that reads credentials from the process environment. */
    public static RedisConnector create(FeatureStoreOptions options) {
        return new RedisConnector(options, System::getenv);
    }

    /** A connector that reads credentials through {@code env} (tests). */
    public static RedisConnector create(FeatureStoreOptions options, Map<String, String> env) {
        return new RedisConnector(options, env::get);
    }

    /**
     * The Lettuce URI: host, port, database, TLS and the credentials from the environment variables the options
     * name. Package-visible for tests; the password never leaves the returned object.
     */
    static RedisURI redisUri(FeatureStoreOptions options, Function<String, String> env) {
        RedisURI.Builder b = RedisURI.builder()
                .withHost(options.host())
                .withPort(options.port())
                .withDatabase(options.database())
                .withTimeout(options.commandTimeout())
                .withClientName("mind-stream");
        if (options.tls()) {
            b.withSsl(true).withVerifyPeer(switch (options.verifyPeer()) {
                case FULL -> SslVerifyMode.FULL;
                case CA -> SslVerifyMode.CA;
                case NONE -> SslVerifyMode.NONE;
            });
        }
        String password = env.apply(options.passwordEnv());
        if (password != null && !password.isEmpty()) {
            String user = env.apply(options.usernameEnv());
            if (user != null && !user.isEmpty()) {
                b.withAuthentication(user, password);
            } else {
                b.withPassword(password.toCharArray());
            }
        }
        return b.build();
    }

    static ClientOptions clientOptions(FeatureStoreOptions options) {
        return ClientOptions.builder()
                // Commands issued while the connection is down wait in the queue and are sent after the
                // reconnect (or time out and are retried by the sink): a Redis restart stalls the sink instead
                // of failing it. Replays are harmless because the write script is idempotent.
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .requestQueueSize(Math.max(options.maxBuffered() * 2, 1024))
                .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(options.commandTimeout())
                        .keepAlive(true)
                        .build())
                .build();
    }

    /** A binary-safe connection (keys and values as byte[]). */
    public StatefulRedisConnection<byte[], byte[]> connect() {
        return client.connect(ByteArrayCodec.INSTANCE);
    }

    public FeatureStoreOptions options() {
        return options;
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
