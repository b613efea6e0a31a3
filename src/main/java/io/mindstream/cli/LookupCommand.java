package io.mindstream.cli;

import io.mindstream.feature.FeatureStoreException;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.FeatureStoreReader;
import io.mindstream.feature.StoredInterests;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code lookup}: prints the interests the feature store holds for one user, as one JSON line. */
@Command(name = "lookup", mixinStandardHelpOptions = true,
        description = {"Print the latest interests of a user from the Redis feature store as one JSON line:",
            "{\"user_id\", \"model_version\", \"interests\": [[...]], \"event_ts\", \"updated_at\", \"update_seq\"}.",
            "Exit code 1 when the store holds nothing for the user."})
public final class LookupCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--feature-store", required = true, paramLabel = "URL",
            description = {"redis://HOST:PORT[/DB][?key-prefix=...] or rediss://...; the password comes from the "
                + "environment variable " + FeatureStoreOptions.DEFAULT_PASSWORD_ENV + "."})
    String featureStore;

    @Option(names = "--user", required = true, paramLabel = "ID", description = "The user id.")
    String user;

    public LookupCommand() {
    }

    @Override
    public Integer call() {
        FeatureStoreOptions options;
        try {
            options = FeatureStoreOptions.parse(featureStore);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("lookup: " + e.getMessage());
            return 2;
        }
        if (user.isEmpty()) {
            spec.commandLine().getErr().println("lookup: --user must not be empty");
            return 2;
        }
        try (FeatureStoreReader reader = FeatureStoreReader.open(options)) {
            Optional<StoredInterests> stored = reader.read(user);
            if (stored.isEmpty()) {
                spec.commandLine().getErr().println("lookup: no interests stored for user '" + user + "' (key "
                        + options.key(user) + " at " + options.describe() + ")");
                return 1;
            }
            spec.commandLine().getOut().println(stored.get().toJson());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (FeatureStoreException e) {
            spec.commandLine().getErr().println("lookup: " + e.getMessage());
            return 1;
        }
    }
}
