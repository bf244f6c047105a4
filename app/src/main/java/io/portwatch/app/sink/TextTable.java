package io.portwatch.app.sink;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain-text columns sized from their contents: two spaces between columns, each column left- or
 * right-aligned, no trailing blanks. Cells must not contain two blanks in a row (so a reader can split
 * on them).
 */
final class TextTable {

    static final String GAP = "  ";

    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    /** @param rightAligned one flag per column: true to right-align it (numbers) */
    TextTable(boolean... rightAligned) {
        this.right = rightAligned.clone();
    }

    /** Adds a row; missing cells are blank, a null cell prints as {@code -}. */
    TextTable row(String... cells) {
        if (cells.length > right.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + right.length + " columns");
        }
        String[] r = new String[right.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length ? (cells[i] == null ? "-" : cells[i]) : "";
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** Prints every row, each line starting with {@code indent}. */
    void print(PrintStream out, String indent) {
        int[] width = new int[right.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder line = new StringBuilder();
        for (String[] r : rows) {
            line.setLength(0);
            line.append(indent);
            boolean first = true;
            for (int i = 0; i < r.length; i++) {
                if (width[i] == 0) {
                    continue;
                }
                if (!first) {
                    line.append(GAP);
                }
                first = false;
                int pad = width[i] - r[i].length();
                if (right[i]) {
                    line.append(" ".repeat(pad)).append(r[i]);
                } else {
                    line.append(r[i]).append(" ".repeat(pad));
                }
            }
            int end = line.length();
            while (end > 0 && line.charAt(end - 1) == ' ') {
                end--;
            }
            line.setLength(end);
            out.println(line);
        }
    }
}
