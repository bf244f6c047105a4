package io.portwatch.app.cli;

import picocli.CommandLine;

/** Parses durations such as 500ms, 10s, 5m for options. */
public final class DurationConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return Durations.parseNanos(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
