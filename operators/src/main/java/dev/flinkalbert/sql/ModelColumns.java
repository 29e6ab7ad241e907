package dev.flinkalbert.sql;

import dev.flinkalbert.inference.ModelTask;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The columns a model of each task may declare, checked when a query using the model is planned: inputs from the
 * task's descriptor ({@link ModelTask#inputFields()}), outputs from its {@link SqlHead}.
 *
 * <table>
 *   <caption>Columns by task</caption>
 *   <tr><th>task</th><th>INPUT (all required unless noted)</th><th>OUTPUT (any non-empty subset, any order)</th></tr>
 *   <tr><td>classify</td><td>{@code text STRING}, optional {@code text_pair STRING}</td>
 *       <td>{@code label STRING}, {@code score FLOAT|DOUBLE}, {@code scores MAP<STRING, FLOAT|DOUBLE>},
 *       {@code error STRING}</td></tr>
 *   <tr><td>embed</td><td>{@code text STRING}, optional {@code text_pair STRING}</td>
 *       <td>{@code embedding ARRAY<FLOAT|DOUBLE>}, {@code error STRING}</td></tr>
 *   <tr><td>qa</td><td>{@code question STRING}, {@code context STRING}</td>
 *       <td>{@code answer STRING}, {@code score FLOAT|DOUBLE}, {@code answer_start INT}, {@code answer_end INT},
 *       {@code error STRING}</td></tr>
 *   <tr><td>ner</td><td>{@code text STRING} (a non-null {@code text_pair} is an error)</td>
 *       <td>{@code entities ARRAY<ROW<entity_group STRING, entity STRING, score FLOAT|DOUBLE, word STRING,
 *       start INT, end INT, index INT>>} (any of the fields, any order), {@code error STRING}</td></tr>
 * </table>
 *
 * <p>Output columns must be nullable: a row whose input cannot be processed (a null text, a question too long for
 * its window) still comes out, with every output null except {@code error}, which says why.
 */
final class ModelColumns {

    static final String LABEL = "label";
    static final String SCORE = "score";
    static final String SCORES = "scores";
    static final String EMBEDDING = "embedding";
    static final String ANSWER = "answer";
    static final String ANSWER_START = "answer_start";
    static final String ANSWER_END = "answer_end";
    static final String ENTITIES = "entities";
    static final String ERROR = "error";

    static final ColumnType STRING = new ColumnType("STRING",
            t -> t.getTypeRoot() == LogicalTypeRoot.VARCHAR && ((VarCharType) t).getLength() == VarCharType.MAX_LENGTH);
    private static final ColumnType CHARACTERS = new ColumnType("STRING",
            t -> t.is(LogicalTypeFamily.CHARACTER_STRING));
    static final ColumnType REAL = new ColumnType("FLOAT or DOUBLE", ModelColumns::isReal);
    static final ColumnType INT = new ColumnType("INT", t -> t.getTypeRoot() == LogicalTypeRoot.INTEGER);
    static final ColumnType REAL_ARRAY = new ColumnType("ARRAY<FLOAT> or ARRAY<DOUBLE>",
            t -> t.getTypeRoot() == LogicalTypeRoot.ARRAY && isReal(((ArrayType) t).getElementType()));
    static final ColumnType LABEL_SCORES = new ColumnType("MAP<STRING, FLOAT> or MAP<STRING, DOUBLE>",
            t -> t.getTypeRoot() == LogicalTypeRoot.MAP && STRING.accepts(((MapType) t).getKeyType())
                    && isReal(((MapType) t).getValueType()));

    /**
     * The fields an {@code entities} row may declare (any of them, in any order), as the token-classification
     * pipeline names them; those that are null for one kind of entity must be nullable.
     */
    static final Map<String, ColumnType> ENTITY_FIELDS = entityFields();
    private static final Set<String> NULLABLE_ENTITY_FIELDS = Set.of("entity_group", "entity", "index");
    static final ColumnType ENTITY_ROWS = new ColumnType("ARRAY<ROW<entity_group STRING, entity STRING, score FLOAT"
            + " or DOUBLE, word STRING, `start` INT, `end` INT, `index` INT>> (any of the fields, in any order;"
            + " entity_group, entity and index nullable)", ModelColumns::isEntityRows);

    private ModelColumns() {}

    private static Map<String, ColumnType> entityFields() {
        Map<String, ColumnType> fields = new LinkedHashMap<>();
        fields.put("entity_group", STRING);
        fields.put("entity", STRING);
        fields.put("score", REAL);
        fields.put("word", STRING);
        fields.put("start", INT);
        fields.put("end", INT);
        fields.put("index", INT);
        return fields;
    }

    private static boolean isEntityRows(LogicalType type) {
        if (type.getTypeRoot() != LogicalTypeRoot.ARRAY
                || !(((ArrayType) type).getElementType() instanceof RowType row)) {
            return false;
        }
        for (RowType.RowField field : row.getFields()) {
            String name = field.getName().toLowerCase(Locale.ROOT);
            ColumnType expected = ENTITY_FIELDS.get(name);
            if (expected == null || !expected.accepts(field.getType())
                    || (NULLABLE_ENTITY_FIELDS.contains(name) && !field.getType().isNullable())) {
                return false;
            }
        }
        return true;
    }

    /** Input columns by name (true: required): a question needs its context, a text's pair is optional. */
    private static Map<String, Boolean> inputs(ModelTask task) {
        Map<String, Boolean> inputs = new LinkedHashMap<>();
        String[] fields = task.inputFields();
        inputs.put(fields[0], true);
        inputs.put(fields[1], task.questionInput());
        return inputs;
    }

    private static Map<String, ColumnType> outputs(ModelTask task) {
        Map<String, ColumnType> outputs = new LinkedHashMap<>(SqlHead.of(task).outputs());
        outputs.put(ERROR, STRING);
        return outputs;
    }

    /**
     * Checks the declared columns against the task and returns where each is read from or written to.
     *
     * @throws ValidationException listing every problem and the columns the task expects
     */
    static Layout check(ModelTask task, ResolvedSchema input, ResolvedSchema output) {
        List<String> problems = new ArrayList<>();
        Map<String, Boolean> expectedInputs = inputs(task);
        List<String> inputNames = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Column column : input.getColumns()) {
            String name = column.getName().toLowerCase(Locale.ROOT);
            inputNames.add(name);
            if (!expectedInputs.containsKey(name)) {
                problems.add("unknown input column '" + column.getName() + "'");
            } else if (!seen.add(name)) {
                problems.add("input column '" + column.getName() + "' declared twice");
            } else if (!CHARACTERS.accepts(column.getDataType().getLogicalType())) {
                problems.add("input column '" + column.getName() + "' is " + column.getDataType()
                        + ", expected STRING");
            }
        }
        expectedInputs.forEach((name, required) -> {
            if (required && !seen.contains(name)) {
                problems.add("input column '" + name + "' is missing");
            }
        });
        Map<String, ColumnType> expectedOutputs = outputs(task);
        List<String> outputNames = new ArrayList<>();
        List<LogicalType> outputTypes = new ArrayList<>();
        seen.clear();
        for (Column column : output.getColumns()) {
            String name = column.getName().toLowerCase(Locale.ROOT);
            LogicalType type = column.getDataType().getLogicalType();
            outputNames.add(name);
            outputTypes.add(type);
            ColumnType expected = expectedOutputs.get(name);
            if (expected == null) {
                problems.add("unknown output column '" + column.getName() + "'");
            } else if (!seen.add(name)) {
                problems.add("output column '" + column.getName() + "' declared twice");
            } else if (!expected.accepts(type)) {
                problems.add("output column '" + column.getName() + "' is " + column.getDataType() + ", expected "
                        + expected.name);
            } else if (!type.isNullable()) {
                problems.add("output column '" + column.getName() + "' is NOT NULL: declare it nullable (a row that"
                        + " cannot be processed comes out with null outputs and the reason in 'error')");
            }
        }
        if (problems.isEmpty() && (seen.isEmpty() || seen.equals(Set.of(ERROR)))) {
            problems.add("no output column besides 'error'");
        }
        if (!problems.isEmpty()) {
            throw new ValidationException("ALBERT " + task.optionValue() + " model columns do not"
                    + " fit its task: " + String.join("; ", problems) + ". Expected INPUT ("
                    + describeInputs(expectedInputs) + ") OUTPUT (any of " + describeOutputs(expectedOutputs) + ")");
        }
        return new Layout(task, inputNames, outputNames, outputTypes);
    }

    private static String describeInputs(Map<String, Boolean> inputs) {
        return inputs.entrySet().stream()
                .map(e -> e.getKey() + " STRING" + (e.getValue() ? "" : " (optional)"))
                .collect(Collectors.joining(", "));
    }

    private static String describeOutputs(Map<String, ColumnType> outputs) {
        return outputs.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().name)
                .collect(Collectors.joining(", "));
    }

    private static boolean isReal(LogicalType type) {
        return type.getTypeRoot() == LogicalTypeRoot.FLOAT || type.getTypeRoot() == LogicalTypeRoot.DOUBLE;
    }

    /** A column type a head accepts, by the name its error messages give. */
    record ColumnType(String name, Predicate<LogicalType> test) {
        boolean accepts(LogicalType type) {
            return test.test(type);
        }
    }

    /**
     * The checked columns of one model: input column names in the order the predict function receives them, and
     * output names and types in the order it must write them.
     */
    record Layout(ModelTask task, List<String> inputs, List<String> outputs, List<LogicalType> outputTypes)
            implements Serializable {

        Layout {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
            outputTypes = List.copyOf(outputTypes);
        }
    }
}
