package io.mindstream.testing;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisServerTest {

    @Test
    void aMissingRedisServerIsAnErrorThatSaysHowToInstallIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RedisServer.locate(List.of(Path.of("/nonexistent/redis-server"))));
        assertTrue(e.getMessage().contains("apt-get install -y --no-install-recommends redis-server"),
                e.getMessage());
    }
}
