package dev.flinkalbert.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a SQL script into statements at {@code ;} outside string literals ({@code '…'}, with {@code ''} inside),
 * quoted identifiers ({@code "…"}, {@code `…`}) and comments ({@code -- …} to the end of the line,
 * {@code /* … *}{@code /}).
 * Comments are dropped; statements that are empty once trimmed are skipped.
 */
final class SqlScript {

    private SqlScript() {}

    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int n = script.length();
        for (int i = 0; i < n; i++) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? n : end - 1; // keep the line break: it separates tokens
            } else if (c == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated /* comment at offset " + i);
                }
                current.append(' ');
                i = end + 1;
            } else if (c == '\'' || c == '"' || c == '`') {
                int end = closingQuote(script, i);
                current.append(script, i, end + 1);
                i = end;
            } else if (c == ';') {
                add(statements, current);
            } else {
                current.append(c);
            }
        }
        add(statements, current);
        return statements;
    }

    /** The index of the quote closing the one at {@code open}; a doubled quote stands for itself. */
    private static int closingQuote(String script, int open) {
        char quote = script.charAt(open);
        for (int i = open + 1; i < script.length(); i++) {
            if (script.charAt(i) == quote) {
                if (i + 1 < script.length() && script.charAt(i + 1) == quote) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        throw new IllegalArgumentException("unterminated " + quote + " quote starting at offset " + open);
    }

    private static void add(List<String> statements, StringBuilder current) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(statement);
        }
        current.setLength(0);
    }
}
