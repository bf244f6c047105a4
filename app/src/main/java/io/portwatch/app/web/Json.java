package io.portwatch.app.web;

import java.util.List;

/** The little JSON the web view writes itself around the records' own (a string, an array of objects). */
final class Json {

    private Json() {
    }

    /** {@code s} as a JSON string, or {@code null}. */
    static String string(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Appends the JSON texts as one array. */
    static void array(StringBuilder b, List<String> items) {
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(items.get(i));
        }
        b.append(']');
    }

    /**
     * JSON text made safe to embed in an HTML {@code <script>} element: every {@code <} (which JSON has
     * only inside strings) becomes {@code \u003c}, so that no {@code </script>} or {@code <!--} can end or
     * change the element, whatever the traffic's names are.
     */
    static String forScript(String json) {
        return json.replace("<", "\\u003c");
    }
}
