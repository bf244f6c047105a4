package io.portwatch.app.config;

/**
 * A configuration file that cannot be used, with a one-line message naming the file, the key and why. The
 * message quotes the file's keys and values, and YAML's own account of a syntax error, which may hold line
 * breaks (a quoted or folded scalar, the character YAML stumbled on): those, and every other control
 * character, are written as escapes ({@code \n}, {@code \t}, the others as a backslash, {@code u} and four hex
 * digits), so that it stays one line.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(escapeControls(message));
    }

    /** The text with its line breaks and other control characters written as escapes, e.g. {@code a\nb}. */
    static String escapeControls(String s) {
        if (s == null || s.chars().noneMatch(ConfigException::isControl)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (isControl(c)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** C0 and C1 controls, and Unicode's line and paragraph separators. */
    private static boolean isControl(int c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }
}
