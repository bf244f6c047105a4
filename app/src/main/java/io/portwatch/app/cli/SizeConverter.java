package io.portwatch.app.cli;

import picocli.CommandLine;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses byte sizes such as 65536, 512k, 4MiB, 1g (binary units) for options. */
public final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");
    private static final Pattern LARGE = Pattern.compile("(\\d{1,15})\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)");

    /** Sizes of files on disk, up to terabytes: 1GiB, 500m, 2TiB. */
    public static final class Large implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            Matcher m = LARGE.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size (write e.g. 1GiB, 512MiB)");
            }
            int shift = switch (m.group(2)) {
                case "k", "kb", "kib" -> 10;
                case "m", "mb", "mib" -> 20;
                case "g", "gb", "gib" -> 30;
                case "t", "tb", "tib" -> 40;
                default -> 0;
            };
            long n = Long.parseLong(m.group(1));
            if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is out of range");
            }
            return n << shift;
        }
    }

    @Override
    public Integer convert(String value) {
        Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (write e.g. 4MiB, 512k, 65536)");
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2)) {
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            default -> 1L;
        };
        long bytes = n * unit;
        if (n > Integer.MAX_VALUE || bytes > Integer.MAX_VALUE || bytes < 1) {
            throw new CommandLine.TypeConversionException("'" + value + "' is out of range (1 byte to 2 GiB)");
        }
        return (int) bytes;
    }
}
