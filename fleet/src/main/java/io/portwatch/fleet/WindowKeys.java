package io.portwatch.fleet;

/**
 * The state store keys of windowed aggregates: the window's start (epoch ms, 13 digits, zero-padded), a
 * bar, the group ({@code 1714521600000|tcp/443}). The stores order keys by their bytes, so windows come
 * out oldest first and closing them is a scan from the store's start that stops at the first open one,
 * whatever the number of open windows behind it.
 */
final class WindowKeys {

    static final int DIGITS = 13;
    /** The last window start the keys can hold: 9999999999999 ms, in the year 2286. */
    static final long MAX_START = 9_999_999_999_999L;

    private WindowKeys() {
    }

    static String key(long windowStart, String group) {
        if (windowStart < 0 || windowStart > MAX_START) {
            throw new IllegalArgumentException("window start out of range: " + windowStart);
        }
        String digits = Long.toString(windowStart);
        StringBuilder b = new StringBuilder(DIGITS + 1 + group.length());
        for (int i = digits.length(); i < DIGITS; i++) {
            b.append('0');
        }
        return b.append(digits).append('|').append(group).toString();
    }

    static long windowStart(String key) {
        return Long.parseLong(key, 0, DIGITS, 10);
    }

    static String group(String key) {
        return key.substring(DIGITS + 1);
    }
}
