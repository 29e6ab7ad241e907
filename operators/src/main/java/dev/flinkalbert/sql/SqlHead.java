package dev.flinkalbert.sql;

import dev.flinkalbert.inference.Answer;
import dev.flinkalbert.inference.AnswerPrediction;
import dev.flinkalbert.inference.AnswerSpec;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.ClassificationSpec;
import dev.flinkalbert.inference.Embedding;
import dev.flinkalbert.inference.EmbeddingSpec;
import dev.flinkalbert.inference.Entity;
import dev.flinkalbert.inference.EntityAggregation;
import dev.flinkalbert.inference.LabelScore;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.TaskSpec;
import dev.flinkalbert.inference.TokenClassification;
import dev.flinkalbert.inference.TokenClassificationSpec;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;

import static dev.flinkalbert.sql.AlbertModelOptions.NORMALIZE;
import static dev.flinkalbert.sql.AlbertModelOptions.POOLING;
import static dev.flinkalbert.sql.AlbertModelOptions.QA_HANDLE_IMPOSSIBLE_ANSWER;
import static dev.flinkalbert.sql.AlbertModelOptions.QA_MAX_ANSWER_LENGTH;
import static dev.flinkalbert.sql.AlbertModelOptions.STRIDE;
import static dev.flinkalbert.sql.AlbertModelOptions.AGGREGATION;
import static dev.flinkalbert.sql.AlbertModelOptions.IGNORE_LABELS;
import static dev.flinkalbert.sql.AlbertModelOptions.TOP_K;

/**
 * One head's SQL layer: the {@code WITH} options that make its {@link TaskSpec}, its output columns, and how a
 * prediction becomes output rows. The provider, {@link ModelColumns} and {@link PredictionRows} read the head from
 * {@link #of(ModelTask)} and never switch on the task; a new head is a new implementation here and a case in
 * {@link #of}.
 *
 * @param <P> the predictor's result of one input
 */
interface SqlHead<P> extends Serializable {

    /** How one output column is read from one output row's source (see {@link #rowSources}). */
    interface Column extends Serializable {
        Object read(Object source);
    }

    /** The SQL layer of {@code task}. */
    static SqlHead<?> of(ModelTask task) {
        return switch (task) {
            case CLASSIFICATION -> new Classify();
            case EMBEDDINGS -> new Embed();
            case QUESTION_ANSWERING -> new Qa();
            case TOKEN_CLASSIFICATION -> new Ner();
        };
    }

    /** The options that only this head reads (the shared ones are read by the provider). */
    Set<ConfigOption<?>> options();

    /** The head's spec from the model's options. */
    TaskSpec<P> spec(ReadableConfig options);

    /**
     * The spec that fills the declared output columns: {@link #spec(ReadableConfig)}, less any per-row work whose
     * result no declared column reads.
     */
    default TaskSpec<P> spec(ReadableConfig options, List<String> outputColumns) {
        return spec(options);
    }

    /** Output columns by name and accepted type, in documentation order ({@code error} is added by the caller). */
    Map<String, ModelColumns.ColumnType> outputs();

    /** The reader of output {@code column} of {@code type}; never called for columns not in {@link #outputs()}. */
    Column column(String column, LogicalType type);

    /**
     * What each output row of one prediction is read from: the prediction itself (one row), or one source per row
     * (question answering: one row per answer); empty gives one row of nulls.
     */
    default List<?> rowSources(P prediction) {
        return List.of(prediction);
    }

    /** Whether {@link #rowSources} is always the prediction alone: one output row per input, read from it. */
    default boolean oneRowPerPrediction() {
        return true;
    }

    final class Classify implements SqlHead<ClassificationPrediction> {
        private static final long serialVersionUID = 1L;

        @Override
        public Set<ConfigOption<?>> options() {
            return Set.of(TOP_K);
        }

        @Override
        public TaskSpec<ClassificationPrediction> spec(ReadableConfig options) {
            return new ClassificationSpec(options.getOptional(TOP_K).orElse(ClassificationSpec.DEFAULT_TOP_K));
        }

        /** Without a {@code scores} column only the best class is read: no ranking of the others per row. */
        @Override
        public TaskSpec<ClassificationPrediction> spec(ReadableConfig options, List<String> outputColumns) {
            return outputColumns.contains(ModelColumns.SCORES) ? spec(options) : new ClassificationSpec(1);
        }

        @Override
        public Map<String, ModelColumns.ColumnType> outputs() {
            Map<String, ModelColumns.ColumnType> outputs = new LinkedHashMap<>();
            outputs.put(ModelColumns.LABEL, ModelColumns.STRING);
            outputs.put(ModelColumns.SCORE, ModelColumns.REAL);
            outputs.put(ModelColumns.SCORES, ModelColumns.LABEL_SCORES);
            return outputs;
        }

        @Override
        public Column column(String column, LogicalType type) {
            return switch (column) {
                case ModelColumns.LABEL -> p -> StringData.fromString(((ClassificationPrediction) p).label());
                case ModelColumns.SCORE -> {
                    Real real = real(type);
                    yield p -> real.box(((ClassificationPrediction) p).score());
                }
                case ModelColumns.SCORES -> {
                    Real real = real(((MapType) type).getValueType());
                    yield p -> scores(real, ((ClassificationPrediction) p).top());
                }
                default -> p -> null;
            };
        }
    }

    final class Embed implements SqlHead<Embedding> {
        private static final long serialVersionUID = 1L;

        @Override
        public Set<ConfigOption<?>> options() {
            return Set.of(POOLING, NORMALIZE);
        }

        @Override
        public TaskSpec<Embedding> spec(ReadableConfig options) {
            return new EmbeddingSpec(options.get(POOLING), options.get(NORMALIZE));
        }

        @Override
        public Map<String, ModelColumns.ColumnType> outputs() {
            return Map.of(ModelColumns.EMBEDDING, ModelColumns.REAL_ARRAY);
        }

        @Override
        public Column column(String column, LogicalType type) {
            if (!column.equals(ModelColumns.EMBEDDING)) {
                return p -> null;
            }
            if (((ArrayType) type).getElementType().getTypeRoot() == LogicalTypeRoot.FLOAT) {
                // The embedding's vector is its own fresh array, read by this row only: no copy.
                return p -> new GenericArrayData(((Embedding) p).vector());
            }
            return p -> doubles(((Embedding) p).vector());
        }
    }

    final class Qa implements SqlHead<AnswerPrediction> {
        private static final long serialVersionUID = 1L;

        @Override
        public Set<ConfigOption<?>> options() {
            return Set.of(TOP_K, STRIDE, QA_MAX_ANSWER_LENGTH, QA_HANDLE_IMPOSSIBLE_ANSWER);
        }

        @Override
        public TaskSpec<AnswerPrediction> spec(ReadableConfig options) {
            return new AnswerSpec(options.getOptional(TOP_K).orElse(AnswerSpec.DEFAULT_TOP_K),
                    options.getOptional(STRIDE).orElse(AnswerSpec.DEFAULT_STRIDE),
                    options.get(QA_MAX_ANSWER_LENGTH), options.get(QA_HANDLE_IMPOSSIBLE_ANSWER));
        }

        @Override
        public Map<String, ModelColumns.ColumnType> outputs() {
            Map<String, ModelColumns.ColumnType> outputs = new LinkedHashMap<>();
            outputs.put(ModelColumns.ANSWER, ModelColumns.STRING);
            outputs.put(ModelColumns.SCORE, ModelColumns.REAL);
            outputs.put(ModelColumns.ANSWER_START, ModelColumns.INT);
            outputs.put(ModelColumns.ANSWER_END, ModelColumns.INT);
            return outputs;
        }

        @Override
        public Column column(String column, LogicalType type) {
            return switch (column) {
                case ModelColumns.ANSWER -> a -> StringData.fromString(((Answer) a).text());
                case ModelColumns.SCORE -> {
                    Real real = real(type);
                    yield a -> real.box(((Answer) a).score());
                }
                case ModelColumns.ANSWER_START -> a -> AnswerSpec.offset((Answer) a, true);
                case ModelColumns.ANSWER_END -> a -> AnswerSpec.offset((Answer) a, false);
                default -> a -> null;
            };
        }

        @Override
        public List<?> rowSources(AnswerPrediction prediction) {
            return prediction.answers();
        }

        @Override
        public boolean oneRowPerPrediction() {
            return false;
        }
    }

    /**
     * Token classification: one {@code entities} column, an array of rows with the token-classification pipeline's
     * fields ({@link ModelColumns#ENTITY_FIELDS}; any of them, in any order). The fields of the other kind of entity
     * are null: {@code entity} and {@code index} for grouped entities, {@code entity_group} for aggregation
     * {@code none}.
     */
    final class Ner implements SqlHead<TokenClassification> {
        private static final long serialVersionUID = 1L;

        @Override
        public Set<ConfigOption<?>> options() {
            return Set.of(AGGREGATION, STRIDE, IGNORE_LABELS);
        }

        @Override
        public TaskSpec<TokenClassification> spec(ReadableConfig options) {
            return new TokenClassificationSpec(EntityAggregation.of(options.get(AGGREGATION)),
                    Set.copyOf(options.get(IGNORE_LABELS)),
                    options.getOptional(STRIDE).orElse(TokenClassificationSpec.DEFAULT_STRIDE));
        }

        @Override
        public Map<String, ModelColumns.ColumnType> outputs() {
            return Map.of(ModelColumns.ENTITIES, ModelColumns.ENTITY_ROWS);
        }

        @Override
        public Column column(String column, LogicalType type) {
            if (!column.equals(ModelColumns.ENTITIES)) {
                return p -> null;
            }
            RowType row = (RowType) ((ArrayType) type).getElementType();
            EntityField[] fields = new EntityField[row.getFieldCount()];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = field(row.getFieldNames().get(i), row.getTypeAt(i));
            }
            return p -> {
                List<Entity> entities = ((TokenClassification) p).entities();
                GenericRowData[] rows = new GenericRowData[entities.size()];
                for (int e = 0; e < rows.length; e++) {
                    rows[e] = new GenericRowData(fields.length);
                    for (int f = 0; f < fields.length; f++) {
                        rows[e].setField(f, fields[f].read(entities.get(e)));
                    }
                }
                return new GenericArrayData(rows);
            };
        }

        private static EntityField field(String name, LogicalType type) {
            return switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "entity_group" -> e -> e.grouped() ? StringData.fromString(e.label()) : null;
                case "entity" -> e -> e.grouped() ? null : StringData.fromString(e.label());
                case "score" -> {
                    Real real = real(type);
                    yield e -> real.box(e.score());
                }
                case "word" -> e -> StringData.fromString(e.word());
                case "start" -> Entity::start;
                case "end" -> Entity::end;
                case "index" -> e -> e.grouped() ? null : e.index();
                default -> e -> null; // refused by ModelColumns
            };
        }

        /** How one field of an entity row is read. */
        interface EntityField extends Serializable {
            Object read(Entity entity);
        }
    }

    /** A score as its column's type holds it (FLOAT or DOUBLE); chosen once per column, not per row. */
    interface Real extends Serializable {
        Object box(double value);
    }

    private static Real real(LogicalType type) {
        return type.getTypeRoot() == LogicalTypeRoot.FLOAT ? value -> (float) value : value -> value;
    }

    private static GenericMapData scores(Real real, List<LabelScore> top) {
        Map<StringData, Object> scores = new LinkedHashMap<>();
        for (LabelScore s : top) {
            scores.put(StringData.fromString(s.label()), real.box(s.score()));
        }
        return new GenericMapData(scores);
    }

    private static GenericArrayData doubles(float[] vector) {
        double[] doubles = new double[vector.length];
        for (int i = 0; i < vector.length; i++) {
            doubles[i] = vector[i];
        }
        return new GenericArrayData(doubles);
    }
}
