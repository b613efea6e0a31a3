package io.mindstream.train;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Model versions that sort in publication order: the UTC minute plus a counter, e.g.
 * {@code 20261129T1530Z-0001}. A new version is always greater (as a string) than the previous one given,
 * even when the clock has not moved or went backwards.
 */
public final class ModelVersions {

    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern FORM = Pattern.compile("(\\d{8}T\\d{4}Z)-(\\d{4,})");

    private ModelVersions() {
    }

    /**
     * @param previous the last version issued (null when none); versions not of this form are ignored
     */
    public static String next(Instant now, String previous) {
        String minute = MINUTE.format(now);
        if (previous != null) {
            Matcher m = FORM.matcher(previous);
            if (m.matches() && m.group(1).compareTo(minute) >= 0) {
                long counter = Long.parseLong(m.group(2)) + 1;
                return m.group(1) + "-" + String.format("%04d", counter);
            }
        }
        return minute + "-0001";
    }
}
