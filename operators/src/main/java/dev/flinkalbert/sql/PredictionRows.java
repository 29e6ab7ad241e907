package dev.flinkalbert.sql;

import dev.flinkalbert.inference.TextInput;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;

/**
 * Reads a model's input row into a {@link TextInput} and writes predictions into output rows in the declared column
 * order ({@link ModelColumns.Layout}), through the task's {@link SqlHead}. A classification or embedding gives one
 * row; question answering one row per answer (the {@code top-k} option), or one row of nulls when no span
 * qualifies; a failed input one row with only {@code error} set.
 */
final class PredictionRows implements Serializable {

    private static final long serialVersionUID = 1L;

    private final SqlHead<Object> head;
    /** Whether every prediction makes exactly one row (all heads but question answering's). */
    private final boolean oneRowEach;
    private final int first;
    private final int second;
    /** How each output column is read: chosen once per column from the layout, not per row. */
    private final SqlHead.Column[] columns;
    private final int error;

    @SuppressWarnings("unchecked") // the head of the task whose predictions this receives
    PredictionRows(ModelColumns.Layout layout) {
        this.head = (SqlHead<Object>) SqlHead.of(layout.task());
        this.oneRowEach = head.oneRowPerPrediction();
        String[] fields = layout.task().inputFields();
        this.first = layout.inputs().indexOf(fields[0]);
        this.second = layout.inputs().indexOf(fields[1]);
        this.columns = new SqlHead.Column[layout.outputs().size()];
        for (int i = 0; i < columns.length; i++) {
            String name = layout.outputs().get(i);
            columns[i] = name.equals(ModelColumns.ERROR) ? source -> null
                    : head.column(name, layout.outputTypes().get(i));
        }
        this.error = layout.outputs().indexOf(ModelColumns.ERROR);
    }

    /** The text (or question) and the pair (or context) of one input row; null strings stay null. */
    TextInput input(RowData row) {
        return new TextInput(string(row, first), second < 0 ? null : string(row, second));
    }

    /**
     * {@link #input(RowData)} from the input columns as the planner's generated code passes them to a predict
     * function's {@code eval} (internal data structures, in input-schema order), without wrapping them in a row.
     */
    TextInput input(Object[] columns) {
        return new TextInput(string(columns[first]), second < 0 ? null : string(columns[second]));
    }

    private static String string(RowData row, int index) {
        return row.isNullAt(index) ? null : row.getString(index).toString();
    }

    private static String string(Object column) {
        return column == null ? null : column.toString(); // a StringData: its Java string
    }

    /** The output rows of one prediction. */
    Collection<RowData> rows(Object prediction) {
        if (oneRowEach) {
            return List.of(row(prediction)); // no list of sources and no growable list per row
        }
        List<?> sources = head.rowSources(prediction);
        if (sources.isEmpty()) {
            return List.of(new GenericRowData(columns.length));
        }
        List<RowData> rows = new ArrayList<>(sources.size());
        for (Object source : sources) {
            rows.add(row(source));
        }
        return rows;
    }

    /** The single output row of an input that failed: every output null but {@code error}. */
    RowData failure(String reason) {
        GenericRowData row = new GenericRowData(columns.length);
        if (error >= 0) {
            row.setField(error, StringData.fromString(reason));
        }
        return row;
    }

    private RowData row(Object source) {
        GenericRowData row = new GenericRowData(columns.length);
        for (int i = 0; i < columns.length; i++) {
            row.setField(i, columns[i].read(source));
        }
        return row;
    }
}
