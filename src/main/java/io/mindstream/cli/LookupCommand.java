package io.mindstream.cli;

import io.mindstream.feature.FeatureStoreException;
import io.mindstream.feature.FeatureStoreOptions;
import io.mindstream.feature.FeatureStoreReader;
import io.mindstream.feature.StoredInterests;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code lookup}: prints the interests the feature store holds for one user, as one JSON line. */
@Command(name = "lookup", mixinStandardHelpOptions = true,
        description = {"Prints the latest interests of a user from the Redis feature store.", "One JSON line:",
            "{\"user_id\", \"model_version\", \"interests\": [[...]], \"event_ts\", \"updated_at\", \"update_seq\"}.",
            "Exit code 1 when the store holds nothing for the user or cannot be read."})
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
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (user.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--user must not be empty");
        }
        StoredInterests stored;
        try (FeatureStoreReader reader = FeatureStoreReader.open(options)) {
            stored = reader.read(user).orElseThrow(() -> new CommandFailedException("no interests stored for user '"
                    + user + "' (key " + options.key(user) + " at " + options.describe() + ")"));
        } catch (FeatureStoreException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(stored.toJson());
        out.flush();
        return 0;
    }
}
