package dev.flinkalbert.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a model's ONNX graph and config promise, checked once against the ALBERT contract: inputs {@code input_ids},
 * {@code attention_mask} and optionally {@code token_type_ids}, all INT64 {@code [batch, sequence]}; outputs that
 * name one task.
 *
 * @param task what the model computes
 * @param feedsTokenTypes whether the graph declares {@code token_type_ids} (some exports drop it)
 * @param outputs the graph's outputs by name, with their layout
 * @param labels class names by index (sequence and token classification; {@code LABEL_i} when config.json has no
 *     id2label)
 * @param multiLabel sigmoid instead of softmax scores
 * @param maxLength {@code max_position_embeddings}
 */
record ModelContract(ModelTask task, boolean feedsTokenTypes, Map<String, OutputSpec> outputs, List<String> labels,
        boolean multiLabel, int maxLength) {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    static final String LAST_HIDDEN_STATE = "last_hidden_state";
    static final String POOLER_OUTPUT = "pooler_output";
    static final String LOGITS = "logits";
    static final String START_LOGITS = "start_logits";
    static final String END_LOGITS = "end_logits";

    private static final Set<String> INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
    /** Per-token logits this wide without id2label are a vocabulary (masked LM), not token labels. */
    private static final int MASKED_LM_MIN_WIDTH = 1000;
    private static final String MODEL = AlbertModel.MODEL_FILE;

    /**
     * The layout of one output.
     *
     * @param name the output's name
     * @param perToken {@code [batch, sequence, …]} rather than {@code [batch, width]}
     * @param width the last axis ({@code hidden}, {@code num_labels}), or 1 for {@code [batch, sequence]}
     */
    record OutputSpec(String name, boolean perToken, int width) {
        long[] shape(int batch, int sequence) {
            if (!perToken) {
                return new long[] {batch, width};
            }
            return width == 1 ? new long[] {batch, sequence} : new long[] {batch, sequence, width};
        }
    }

    /** Checks the session's graph against the contract; adds every problem to {@code problems}, null then. */
    static ModelContract check(OrtSession session, ModelConfig config, List<String> problems) throws OrtException {
        int before = problems.size();
        Map<String, NodeInfo> inputs = session.getInputInfo();
        for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
            if (!inputs.containsKey(required)) {
                problems.add(MODEL + " has no input \"" + required + "\" (its inputs: " + inputs.keySet()
                        + "): export with input names input_ids, attention_mask[, token_type_ids]");
            }
        }
        for (Map.Entry<String, NodeInfo> input : inputs.entrySet()) {
            String name = input.getKey();
            if (!INPUTS.contains(name)) {
                problems.add(MODEL + " has an unknown input \"" + name + "\": an ALBERT encoder takes only "
                        + "input_ids, attention_mask and token_type_ids");
                continue;
            }
            TensorInfo info = input.getValue().getInfo() instanceof TensorInfo t ? t : null;
            if (info == null || info.type != OnnxJavaType.INT64 || info.getShape().length != 2) {
                problems.add(MODEL + " input \"" + name + "\" is " + describe(input.getValue())
                        + ", expected an INT64 tensor [batch_size, sequence_length]: export the ids as int64");
            }
        }

        Map<String, NodeInfo> outputs = session.getOutputInfo();
        Map<String, OutputSpec> specs = new LinkedHashMap<>();
        ModelTask task = task(outputs.keySet(), problems);
        if (task == ModelTask.CLASSIFICATION && rank(outputs.get(LOGITS)) == 3) {
            task = ModelTask.TOKEN_CLASSIFICATION; // logits per token: [batch, sequence, num_labels]
        }
        List<String> labels = List.of();
        if (task != null) {
            for (Map.Entry<String, NodeInfo> output : outputs.entrySet()) {
                OutputSpec spec = spec(output.getKey(), output.getValue(), config, task, problems);
                if (spec != null) {
                    specs.put(spec.name(), spec);
                }
            }
            boolean labelled = task == ModelTask.CLASSIFICATION || task == ModelTask.TOKEN_CLASSIFICATION;
            if (labelled && specs.containsKey(LOGITS)) {
                labels = labels(specs.get(LOGITS), outputs.get(LOGITS), config, problems);
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new ModelContract(task, inputs.containsKey(TOKEN_TYPE_IDS), specs, labels, config.multiLabel(),
                config.maxPositionEmbeddings());
    }

    private static ModelTask task(Set<String> names, List<String> problems) {
        boolean embeddings = names.contains(LAST_HIDDEN_STATE);
        boolean classification = names.contains(LOGITS);
        boolean qa = names.contains(START_LOGITS) || names.contains(END_LOGITS);
        if (qa && !(names.contains(START_LOGITS) && names.contains(END_LOGITS))) {
            problems.add(MODEL + " has only one of start_logits/end_logits (outputs: " + names
                    + "): a question-answering export has both");
            return null;
        }
        int tasks = (embeddings ? 1 : 0) + (classification ? 1 : 0) + (qa ? 1 : 0);
        if (tasks != 1) {
            problems.add(MODEL + " outputs " + names + " do not name one task: expected last_hidden_state"
                    + " [+ pooler_output] (embeddings), logits [batch, num_labels] (classification), logits [batch,"
                    + " sequence, num_labels] (token classification) or start_logits + end_logits (question"
                    + " answering), with optimum's output names");
            return null;
        }
        Set<String> allowed = embeddings ? Set.of(LAST_HIDDEN_STATE, POOLER_OUTPUT)
                : classification ? Set.of(LOGITS) : Set.of(START_LOGITS, END_LOGITS);
        for (String name : names) {
            if (!allowed.contains(name)) {
                problems.add(MODEL + " has an unknown output \"" + name + "\" beside " + allowed
                        + ": export only the task's outputs");
            }
        }
        return embeddings ? ModelTask.EMBEDDINGS : classification ? ModelTask.CLASSIFICATION
                : ModelTask.QUESTION_ANSWERING;
    }

    private static int rank(NodeInfo node) {
        return node.getInfo() instanceof TensorInfo t ? t.getShape().length : -1;
    }

    private static OutputSpec spec(String name, NodeInfo node, ModelConfig config, ModelTask task,
            List<String> problems) {
        int rank = switch (name) {
            case LAST_HIDDEN_STATE -> 3;
            case LOGITS -> task == ModelTask.TOKEN_CLASSIFICATION ? 3 : 2;
            case POOLER_OUTPUT, START_LOGITS, END_LOGITS -> 2;
            default -> 0;
        };
        if (rank == 0) {
            return null; // reported by task()
        }
        TensorInfo info = node.getInfo() instanceof TensorInfo t ? t : null;
        if (info == null || info.type != OnnxJavaType.FLOAT || info.getShape().length != rank) {
            String expected = switch (name) {
                case LAST_HIDDEN_STATE -> "[batch_size, sequence_length, hidden_size]";
                case LOGITS -> "[batch_size, num_labels] (sequence classification) or [batch_size, sequence_length,"
                        + " num_labels] (token classification)";
                case POOLER_OUTPUT -> "[batch_size, hidden_size]";
                default -> "[batch_size, sequence_length]";
            };
            problems.add(MODEL + " output \"" + name + "\" is " + describe(node) + ", expected a FLOAT tensor "
                    + expected);
            return null;
        }
        long last = info.getShape()[rank - 1];
        return switch (name) {
            case LAST_HIDDEN_STATE, POOLER_OUTPUT -> {
                if (last > 0 && last != config.hiddenSize()) {
                    problems.add(MODEL + " output \"" + name + "\" has width " + last + " but config.json says"
                            + " hidden_size " + config.hiddenSize() + ": use the config.json exported with the model");
                }
                yield new OutputSpec(name, name.equals(LAST_HIDDEN_STATE), config.hiddenSize());
            }
            // width checked in labels()
            case LOGITS -> new OutputSpec(name, task == ModelTask.TOKEN_CLASSIFICATION, (int) last);
            default -> new OutputSpec(name, true, 1);
        };
    }

    private static List<String> labels(OutputSpec logits, NodeInfo node, ModelConfig config,
            List<String> problems) {
        int width = logits.width();
        List<String> labels = config.labels();
        if (width > 0 && !labels.isEmpty() && labels.size() != width) {
            problems.add(ModelConfig.FILE_NAME + " id2label has " + labels.size() + " labels " + labels + " but "
                    + MODEL + " output \"logits\" has " + width + " columns: use the config.json exported with"
                    + " this model, or fix id2label to name all " + width + " classes"
                    + (logits.perToken() && width >= MASKED_LM_MIN_WIDTH
                            ? " (a [batch, sequence, vocab] masked-LM head is not supported)" : ""));
            return List.of();
        }
        if (logits.perToken() && labels.isEmpty() && width >= MASKED_LM_MIN_WIDTH) {
            problems.add(MODEL + " output \"logits\" is [batch, sequence, " + width + "] and " + ModelConfig.FILE_NAME
                    + " has no id2label: that is a masked-LM head (a score per vocabulary piece), which is not"
                    + " supported; export a token-classification model with its config (id2label)");
            return List.of();
        }
        if (width <= 0) {
            width = labels.isEmpty() ? config.numLabels() : labels.size();
            if (width <= 0) {
                problems.add(MODEL + " output \"logits\" has a symbolic width (" + describe(node) + ") and "
                        + ModelConfig.FILE_NAME + " has neither id2label nor num_labels: add id2label to config.json");
                return List.of();
            }
        }
        if (labels.isEmpty()) {
            // What transformers' PretrainedConfig does for a config without id2label.
            List<String> generated = new ArrayList<>(width);
            for (int i = 0; i < width; i++) {
                generated.add("LABEL_" + i);
            }
            labels = generated;
        }
        return labels;
    }

    private static String describe(NodeInfo node) {
        if (node.getInfo() instanceof TensorInfo t) {
            return t.type + " " + Arrays.toString(t.getShape());
        }
        return node.getInfo().toString();
    }

    /** The contract with the logits width resolved from config.json where the graph leaves it symbolic. */
    ModelContract {
        if (task == ModelTask.CLASSIFICATION || task == ModelTask.TOKEN_CLASSIFICATION) {
            OutputSpec logits = outputs.get(LOGITS);
            if (logits.width() <= 0) {
                outputs = new LinkedHashMap<>(outputs);
                outputs.put(LOGITS, new OutputSpec(LOGITS, logits.perToken(), labels.size()));
            }
        }
        outputs = Map.copyOf(outputs);
        labels = List.copyOf(labels);
    }
}
