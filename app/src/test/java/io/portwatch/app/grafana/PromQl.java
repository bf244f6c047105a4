package io.portwatch.app.grafana;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, as a Grafana dashboard stores the expression (with
 * Grafana's variables: {@code $__rate_interval}, {@code $instance}, {@code ${x}}, {@code [[x]]}). A scanner,
 * not a parser: it only has to tell a metric name from the other identifiers of PromQL, which are
 * functions and aggregations (followed by a parenthesis, or by {@code by}/{@code without}), keywords,
 * label names (inside {@code {...}} and after {@code by}, {@code without}, {@code on}, {@code ignoring},
 * {@code group_left}, {@code group_right}) and numbers ({@code Inf}, {@code NaN}, durations). Label values,
 * ranges ({@code [5m]}, {@code [$__rate_interval]}) and variables are skipped whole. A selector's
 * {@code __name__="x"} names x. Suffixed series ({@code x_bucket}, {@code x_sum}, {@code x_count}) are names
 * as written: that is what Prometheus stores.
 *
 * <p>An unknown function (a typo such as {@code rat(x[5m])}) or an unbalanced bracket is an error rather
 * than a name, so that a broken query cannot pass for one that selects nothing.
 */
final class PromQl {

    /** PromQL's functions (Prometheus 3), and {@code start}/{@code end} of the {@code @} modifier. */
    static final Set<String> FUNCTIONS = Set.of(
            "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
            "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
            "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg", "delta",
            "deriv", "double_exponential_smoothing", "exp", "floor", "histogram_avg", "histogram_count",
            "histogram_fraction", "histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum",
            "holt_winters", "hour", "idelta", "increase", "info", "irate", "label_join", "label_replace",
            "last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time", "minute",
            "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets",
            "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc",
            "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp",
            "vector", "year", "start", "end");

    /** Aggregation operators (case-insensitive in PromQL). */
    static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");

    /** Keywords followed by a list of label names in parentheses (group_left and group_right may have none). */
    static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    /** Other keywords: set operators, {@code bool}, {@code offset}, the {@code atan2} operator. */
    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2");

    private static final Pattern NAME_MATCHER = Pattern.compile("(?:^|,)\\s*__name__\\s*=\\s*\"([^\"]*)\"");

    private PromQl() {
    }

    /**
     * The metric names {@code expr} selects, sorted.
     *
     * @throws IllegalArgumentException naming the fault and the expression: an unknown function, an
     *                                  unbalanced bracket, an unterminated string
     */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        int depth = 0;
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < n && expr.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '{') {
                int close = close(expr, i, '{', '}');
                Matcher m = NAME_MATCHER.matcher(expr.substring(i + 1, close));
                while (m.find()) {
                    names.add(m.group(1));
                }
                i = close + 1;
            } else if (c == '[') {
                i = close(expr, i, '[', ']') + 1;
            } else if (c == '$') {
                i = skipVariable(expr, i);
            } else if (isDigit(c) || c == '.' && i + 1 < n && isDigit(expr.charAt(i + 1))) {
                i = skipNumber(expr, i);
            } else if (isIdentifierStart(c)) {
                int end = i + 1;
                while (end < n && isIdentifierPart(expr.charAt(end))) {
                    end++;
                }
                String word = expr.substring(i, end);
                String lower = word.toLowerCase(Locale.ROOT);
                int next = end;
                while (next < n && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(lower)) {
                    i = call ? close(expr, next, '(', ')') + 1 : end;
                } else if (KEYWORDS.contains(lower) || AGGREGATIONS.contains(lower)
                        || lower.equals("inf") || lower.equals("nan")) {
                    i = end;
                } else if (call) {
                    if (!FUNCTIONS.contains(word)) {
                        throw new IllegalArgumentException("unknown function " + word + "() in " + expr);
                    }
                    i = end;
                } else {
                    names.add(word);
                    i = end;
                }
            } else if (c == '(') {
                depth++;
                i++;
            } else if (c == ')') {
                if (--depth < 0) {
                    throw new IllegalArgumentException("a ')' without its '(' at " + i + " in " + expr);
                }
                i++;
            } else if (c == '}' || c == ']') {
                throw new IllegalArgumentException("a '" + c + "' without its opening at " + i + " in " + expr);
            } else {
                i++; // an operator, a comma, '@'
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException(depth + " '(' not closed in " + expr);
        }
        return names;
    }

    /** The index of the bracket that closes the one at {@code at}, skipping strings and nested pairs. */
    private static int close(String s, int at, char open, char close) {
        int depth = 0;
        int i = at;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i;
            }
            i++;
        }
        throw new IllegalArgumentException("'" + open + "' at " + at + " not closed in " + s);
    }

    /** The index after the string that starts at {@code at} (backslash escapes, except in backquotes). */
    private static int skipString(String s, int at) {
        char quote = s.charAt(at);
        for (int i = at + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quote != '`') {
                i++;
            } else if (c == quote) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("a string not closed at " + at + " in " + s);
    }

    /** The index after a Grafana variable: {@code ${name...}} or {@code $name}. */
    private static int skipVariable(String s, int at) {
        if (at + 1 < s.length() && s.charAt(at + 1) == '{') {
            return close(s, at + 1, '{', '}') + 1;
        }
        int i = at + 1;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    /** The index after a number or a duration: 8, 0.5, 1e-3, 0x1f, 5m, 1h30m. */
    private static int skipNumber(String s, int at) {
        int i = at;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '.' || c == '_') {
                i++;
            } else if ((c == '+' || c == '-') && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E')
                    && !s.substring(at, i).startsWith("0x")) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentifierStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':';
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || isDigit(c);
    }
}
