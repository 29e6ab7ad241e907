package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        String script = """
                -- a comment; not a statement
                CREATE TABLE t (a STRING) WITH ('k' = 'x;y', 'q' = 'it''s; fine');
                /* block; comment */ SELECT "odd;name", `b;c` FROM t -- trailing; comment
                ;
                ;  -- an empty statement
                SELECT 1""";
        assertEquals(List.of(
                "CREATE TABLE t (a STRING) WITH ('k' = 'x;y', 'q' = 'it''s; fine')",
                "SELECT \"odd;name\", `b;c` FROM t",
                "SELECT 1"), SqlScript.statements(script));
    }

    @Test
    void commentMarkersInsideStringsAreText() {
        assertEquals(List.of("SELECT '--not a comment', '/* nor this */'"),
                SqlScript.statements("SELECT '--not a comment', '/* nor this */';"));
    }

    @Test
    void unterminatedQuotesAndCommentsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> SqlScript.statements("SELECT 'open"));
        assertThrows(IllegalArgumentException.class, () -> SqlScript.statements("SELECT 1 /* open"));
    }
}
