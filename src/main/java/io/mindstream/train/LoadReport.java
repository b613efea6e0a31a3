package io.mindstream.train;

import java.util.List;

/**
 * What a loader saw: lines read, behaviours kept, lines skipped on purpose (a filtered behaviour type, a
 * header), and malformed lines with the first few of them quoted by line number.
 */
public record LoadReport(long lines, long events, long filtered, long malformed, List<String> malformedExamples) {

    public LoadReport {
        malformedExamples = List.copyOf(malformedExamples);
    }

    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(lines).append(" lines, ").append(events).append(" behaviours");
        if (filtered > 0) {
            sb.append(", ").append(filtered).append(" filtered out");
        }
        sb.append(", ").append(malformed).append(" malformed");
        return sb.toString();
    }
}
