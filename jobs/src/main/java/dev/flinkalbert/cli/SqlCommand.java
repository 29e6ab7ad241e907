package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./albert sql FILE}: runs a SQL script (DDL, {@code SET}, {@code INSERT} and queries, separated by
 * {@code ;}, comments allowed) on a local MiniCluster, with the {@code 'albert'} model provider and the Kafka and JSON
 * connectors on the class path, and prints each query's rows as a table or as JSON lines. So SQL users can try
 * {@code CREATE MODEL … WITH ('provider' = 'albert')} and {@code ML_PREDICT} with no cluster; see
 * {@code docs/sql.md}.
 *
 * <pre>
 * ./albert sql docs/examples/classify.sql
 * ./albert sql --json --set table.exec.async-ml-predict.max-concurrent-operations=64 script.sql
 * </pre>
 */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        description = "Run a Flink SQL script (CREATE MODEL ... 'provider' = 'albert', ML_PREDICT, Kafka tables) on a"
                + " local MiniCluster and print query results.")
public final class SqlCommand implements Callable<Integer> {

    /** Streaming or batch execution of the script's statements. */
    public enum Mode { STREAMING, BATCH }

    /** {@code SET 'key' = 'value'} as the SQL client writes it. */
    private static final Pattern SET =
            Pattern.compile("(?is)SET\\s+'((?:[^']|'')+)'\\s*=\\s*'((?:[^']|'')*)'");
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    @Parameters(paramLabel = "FILE", description = "The SQL script ('-' reads standard input)")
    String file;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "STREAMING",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); Flink 2.2 plans ML_PREDICT in"
                    + " streaming mode only")
    Mode mode;

    @Option(names = "--json", description = "Print query rows as JSON lines instead of a table")
    boolean json;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "1",
            description = "Default parallelism of the local jobs (default: ${DEFAULT-VALUE})")
    int parallelism;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A table configuration option, e.g. table.exec.async-ml-predict.max-concurrent-operations=64")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        String script = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                : Files.readString(Path.of(file), StandardCharsets.UTF_8);
        TableEnvironment env = TableEnvironment.create(mode == Mode.BATCH ? EnvironmentSettings.inBatchMode()
                : EnvironmentSettings.inStreamingMode());
        env.getConfig().set("parallelism.default", String.valueOf(parallelism));
        settings.forEach((key, value) -> env.getConfig().set(key, value));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        for (String statement : SqlScript.statements(script)) {
            run(env, statement, out);
        }
        return 0;
    }

    /** Runs one statement; prints its rows when it has any, waits for it when it starts a job. */
    void run(TableEnvironment env, String statement, PrintStream out) throws Exception {
        Matcher set = SET.matcher(statement);
        if (set.matches()) { // the SQL client's SET, which TableEnvironment.executeSql does not take
            env.getConfig().set(set.group(1).replace("''", "'"), set.group(2).replace("''", "'"));
            return;
        }
        long start = System.nanoTime();
        TableResult result;
        try {
            result = env.executeSql(statement);
        } catch (TableException e) {
            if (mode == Mode.BATCH && statement.toUpperCase(Locale.ROOT).contains("ML_PREDICT")) {
                throw new TableException("Flink 2.2 plans ML_PREDICT in streaming mode only: run with --mode"
                        + " streaming (bounded sources such as VALUES still finish)", e);
            }
            throw e;
        }
        if (result.getResultKind() == ResultKind.SUCCESS_WITH_CONTENT) {
            if (json) {
                printJson(result, out);
            } else {
                result.print();
            }
        } else if (result.getJobClient().isPresent()) {
            result.await(); // INSERT: the next statement may read what it wrote
        }
        if (result.getJobClient().isPresent()) {
            System.err.printf("albert sql: job %s finished in %d ms%n", result.getJobClient().get().getJobID(),
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    private static void printJson(TableResult result, PrintStream out) throws Exception {
        List<String> names = result.getResolvedSchema().getColumnNames();
        try (CloseableIterator<Row> rows = result.collect()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                Map<String, Object> fields = new LinkedHashMap<>();
                if (row.getKind() != RowKind.INSERT) {
                    fields.put("op", row.getKind().shortString()); // a retraction or an update of a streaming query
                }
                for (int i = 0; i < names.size(); i++) {
                    fields.put(names.get(i), jsonValue(row.getField(i)));
                }
                out.println(JSON.writeValueAsString(fields));
            }
        }
    }

    /** SQL values as JSON: rows as objects, arrays and maps as such, times and decimals as their SQL text. */
    private static Object jsonValue(Object value) {
        if (value instanceof Row row) {
            Map<String, Object> fields = new LinkedHashMap<>();
            Set<String> names = row.getFieldNames(true);
            if (names == null) {
                for (int i = 0; i < row.getArity(); i++) {
                    fields.put("f" + i, jsonValue(row.getField(i)));
                }
            } else {
                names.forEach(name -> fields.put(name, jsonValue(row.getField(name))));
            }
            return fields;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), jsonValue(v)));
            return out;
        }
        if (value != null && value.getClass().isArray() && !(value instanceof byte[])) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                out.add(jsonValue(Array.get(value, i)));
            }
            return out;
        }
        if (value instanceof Temporal || value instanceof java.math.BigDecimal) {
            return value.toString();
        }
        return value;
    }
}
