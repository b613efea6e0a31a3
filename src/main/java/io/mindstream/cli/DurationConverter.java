package io.mindstream.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 durations for every {@link Duration} option of every command ({@code PT90S}, {@code PT1H},
 * {@code P1DT2H}). Registered once on the root, so a bad value reads the same wherever it appears.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Duration.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("'" + value + "' is not an ISO-8601 duration (e.g. PT90S, PT15M, PT1H)");
        }
    }
}
