package dev.flinkalbert.sql;

import dev.flinkalbert.inference.Answer;
import dev.flinkalbert.inference.AnswerPrediction;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.Embedding;
import dev.flinkalbert.inference.LabelScore;
import dev.flinkalbert.inference.TextInput;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;

/**
 * Reads a model's input row into a {@link TextInput} and writes predictions into output rows in the declared column
 * order ({@link ModelColumns.Layout}). A classification or embedding gives one row; question answering one row per
 * answer (the {@code top-k} option), or one row of nulls when no span qualifies; a failed input one row with only
 * {@code error} set.
 */
final class PredictionRows implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How one output column is read from a prediction: chosen once per column from the layout, not per row. */
    private interface Column extends Serializable {
        Object read(Object prediction);
    }

    private final int first;
    private final int second;
    private final Column[] columns;
    private final int error;

    PredictionRows(ModelColumns.Layout layout) {
        boolean qa = layout.task() == TaskOption.QA;
        this.first = layout.inputs().indexOf(qa ? ModelColumns.QUESTION : ModelColumns.TEXT);
        this.second = layout.inputs().indexOf(qa ? ModelColumns.CONTEXT : ModelColumns.TEXT_PAIR);
        this.columns = new Column[layout.outputs().size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = column(layout.task(), layout.outputs().get(i), layout.outputTypes().get(i));
        }
        this.error = layout.outputs().indexOf(ModelColumns.ERROR);
    }

    /** The text (or question) and the pair (or context) of one input row; null strings stay null. */
    TextInput input(RowData row) {
        return new TextInput(string(row, first), second < 0 ? null : string(row, second));
    }

    private static String string(RowData row, int index) {
        return row.isNullAt(index) ? null : row.getString(index).toString();
    }

    /** The output rows of one prediction. */
    Collection<RowData> rows(Object prediction) {
        if (prediction instanceof AnswerPrediction answers) {
            if (answers.answers().isEmpty()) {
                return List.of(new GenericRowData(columns.length));
            }
            List<RowData> rows = new ArrayList<>(answers.answers().size());
            for (Answer answer : answers.answers()) {
                rows.add(row(answer));
            }
            return rows;
        }
        return List.of(row(prediction));
    }

    /** The single output row of an input that failed: every output null but {@code error}. */
    RowData failure(String reason) {
        GenericRowData row = new GenericRowData(columns.length);
        if (error >= 0) {
            row.setField(error, StringData.fromString(reason));
        }
        return row;
    }

    private RowData row(Object prediction) {
        GenericRowData row = new GenericRowData(columns.length);
        for (int i = 0; i < columns.length; i++) {
            row.setField(i, columns[i].read(prediction));
        }
        return row;
    }

    /** The reader of output {@code column} of {@code type} from the task's predictions (null for the others). */
    private static Column column(TaskOption task, String column, LogicalType type) {
        return switch (task) {
            case CLASSIFY -> switch (column) {
                case ModelColumns.LABEL -> p -> StringData.fromString(((ClassificationPrediction) p).label());
                case ModelColumns.SCORE -> p -> real(type, ((ClassificationPrediction) p).score());
                case ModelColumns.SCORES -> {
                    LogicalType valueType = ((MapType) type).getValueType();
                    yield p -> scores(valueType, ((ClassificationPrediction) p).top());
                }
                default -> p -> null;
            };
            case EMBED -> {
                if (!column.equals(ModelColumns.EMBEDDING)) {
                    yield p -> null;
                }
                LogicalType elementType = ((ArrayType) type).getElementType();
                yield p -> vector(elementType, ((Embedding) p).vector());
            }
            case QA -> switch (column) {
                case ModelColumns.ANSWER -> p -> StringData.fromString(((Answer) p).text());
                case ModelColumns.SCORE -> p -> real(type, ((Answer) p).score());
                case ModelColumns.ANSWER_START -> p -> ((Answer) p).start();
                case ModelColumns.ANSWER_END -> p -> ((Answer) p).end();
                default -> p -> null;
            };
        };
    }

    private static Object real(LogicalType type, double value) {
        return type.getTypeRoot() == LogicalTypeRoot.FLOAT ? (Object) (float) value : (Object) value;
    }

    private static GenericMapData scores(LogicalType valueType, List<LabelScore> top) {
        Map<StringData, Object> scores = new LinkedHashMap<>();
        for (LabelScore s : top) {
            scores.put(StringData.fromString(s.label()), real(valueType, s.score()));
        }
        return new GenericMapData(scores);
    }

    private static GenericArrayData vector(LogicalType elementType, float[] vector) {
        if (elementType.getTypeRoot() == LogicalTypeRoot.FLOAT) {
            return new GenericArrayData(vector.clone());
        }
        double[] doubles = new double[vector.length];
        for (int i = 0; i < vector.length; i++) {
            doubles[i] = vector[i];
        }
        return new GenericArrayData(doubles);
    }
}
