package dev.flinkalbert.model.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.Precision;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.checkpoint.SafeTensors;
import dev.flinkalbert.model.classification.ClassificationBatch;
import dev.flinkalbert.model.classification.ClassificationObjective;
import dev.flinkalbert.model.pretraining.PretrainingBatch;
import dev.flinkalbert.model.pretraining.PretrainingObjective;
import dev.flinkalbert.model.replay.RecordedBatches;
import dev.flinkalbert.model.replay.StepLog;
import dev.flinkalbert.model.training.AdamW;
import dev.flinkalbert.model.training.LearningRateSchedule;
import dev.flinkalbert.model.training.LossScaler;
import dev.flinkalbert.model.training.Objective;
import dev.flinkalbert.model.training.TrainingLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert train replay}: trains on recorded batches with recorded hyper-parameters through the module's own
 * {@link TrainingLoop} (AdamW, schedule, clipping), so that the per-step log and the final weights can be compared
 * with those of a Hugging Face run (see {@code testdata/hf-train-steps}).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a recorded training run: the same initial weights, batches and hyper-parameters, "
                + "trained by this module's training loop (AdamW with transformers' decay groups, "
                + "get_linear_schedule_with_warmup, global-norm clipping). Writes <out>/steps.jsonl (step, lr, "
                + "grad_norm before clipping, loss, mlm_loss/sop_loss) and <out>/model.safetensors + config.json.",
            "Step k trains on batch (k - 1) mod (number of batches). The task is the config's architectures, else "
                    + "the heads the weights hold: AlbertForPreTraining (masked LM + sentence order) or "
                    + "AlbertForSequenceClassification.",
            "Example: ./albert train replay --init testdata/hf-train-steps/pretrain --batches "
                    + "testdata/hf-train-steps/pretrain/batches.jsonl --steps 10 --learning-rate 1e-3 "
                    + "--warmup-steps 2 --out /tmp/replay"})
final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--init", required = true, paramLabel = "DIR",
            description = "config.json + model.safetensors (Hugging Face layout): the weights before step 1.")
    Path init;

    @Option(names = "--batches", required = true, paramLabel = "FILE",
            description = "JSON lines: input_ids, attention_mask, token_type_ids, labels [, sentence_order_label].")
    Path batches;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "Optimizer steps (the schedule's total).")
    long steps;

    @Option(names = "--learning-rate", required = true, paramLabel = "LR", description = "Peak learning rate.")
    double learningRate;

    @Option(names = "--warmup-steps", defaultValue = "0", paramLabel = "N",
            description = "Linear warm-up steps from 0. Default: ${DEFAULT-VALUE}.")
    long warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--adam-epsilon", defaultValue = "1e-6", description = "Default: ${DEFAULT-VALUE}.")
    float adamEpsilon;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Default: ${DEFAULT-VALUE}.")
    float maxGradNorm;

    @Option(names = "--decay-exclusion", defaultValue = "TRANSFORMERS", paramLabel = "transformers|google-albert",
            converter = DecayExclusionConverter.class,
            description = "Parameters without weight decay: transformers (names ending in .bias or containing "
                    + "LayerNorm) or google-albert (also layer_norm). Default: transformers.")
    AdamW.DecayExclusion decayExclusion;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|fp16",
            description = "fp16: mixed precision with loss scaling; it follows a float32 recording only within "
                    + "float16's accuracy (see model/README.md). Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--loss-scale", defaultValue = "1024", paramLabel = "S",
            description = "With fp16: the initial dynamic loss scale. Lower than GradScaler's 65536 because a step "
                    + "whose float16 gradients overflow is skipped (as GradScaler skips it) and the replay then leaves "
                    + "the recording. Default: ${DEFAULT-VALUE}.")
    float lossScale;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmupSteps < 0 || warmupSteps > steps) {
            throw new InvalidInputException("--steps must be >= 1 and 0 <= --warmup-steps <= --steps; got steps "
                    + steps + ", warm-up " + warmupSteps);
        }
        if (!(lossScale >= LossScaler.MIN_SCALE) || !Float.isFinite(lossScale)) {
            throw new InvalidInputException("--loss-scale must be finite and >= 1, got " + lossScale);
        }
        if (!(learningRate > 0) || !(maxGradNorm > 0) || !(adamEpsilon > 0) || !(weightDecay >= 0)) {
            throw new InvalidInputException("--learning-rate, --max-grad-norm and --adam-epsilon must be > 0 and "
                    + "--weight-decay >= 0");
        }
        Precision arithmetic;
        try {
            arithmetic = Precision.parse(precision, Device.cpu());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--precision " + precision + ": " + e.getMessage());
        }
        AlbertConfig config = config();
        Map<String, SafeTensors.Tensor> weights = weights();
        AlbertTask task = task(weights);
        requireEveryWeight(config, task, weights);
        if (config.hiddenDropoutProb() > 0 || config.attentionProbsDropoutProb() > 0
                || config.classifierDropoutProb() > 0) {
            System.err.println("note: the config has dropout > 0; torch's dropout masks cannot be replayed, so the "
                    + "run will not follow the recording step for step");
        }
        // every batch is checked before anything trains
        List<PretrainingBatch> pretraining = task == AlbertTask.PRETRAINING
                ? read(() -> RecordedBatches.pretraining(batches, config)) : null;
        List<ClassificationBatch> classification = task == AlbertTask.SEQUENCE_CLASSIFICATION
                ? read(() -> RecordedBatches.classification(batches, config)) : null;
        AdamW.Settings optimizer = AdamW.Settings.DEFAULTS.withEpsilon(adamEpsilon).withWeightDecay(weightDecay)
                .withDecayExclusion(decayExclusion);
        LearningRateSchedule schedule = new LearningRateSchedule(learningRate, warmupSteps, steps);
        Files.createDirectories(out);
        System.err.printf(Locale.ROOT, "replaying %d steps of %s (%s) from %s%n", steps, task.architecture(),
                arithmetic.name().toLowerCase(Locale.ROOT), init);
        try (NDManager manager = NDManager.newBaseManager();
                AlbertModel model = AlbertModel.fromWeights(config, task, weights, 0L, manager)) {
            if (pretraining != null) {
                train(model, new PretrainingObjective(), pretraining, schedule, optimizer, arithmetic);
            } else {
                train(model, new ClassificationObjective(), classification, schedule, optimizer, arithmetic);
            }
            HfCheckpoint.save(model, out);
        }
        System.out.println("replayed " + steps + " steps; " + out.resolve(StepLog.FILE) + " and "
                + out.resolve(HfCheckpoint.WEIGHTS_FILE));
        return 0;
    }

    private <B> void train(AlbertModel model, Objective<B> objective, List<B> recorded, LearningRateSchedule schedule,
            AdamW.Settings optimizer, Precision arithmetic) throws IOException {
        try (StepLog log = new StepLog(out.resolve(StepLog.FILE));
                TrainingLoop<B> loop = TrainingLoop.<B>builder().model(model).objective(objective).schedule(schedule)
                        .optimizer(optimizer).maxGradientNorm(maxGradNorm).precision(arithmetic)
                        .lossScaler(new LossScaler(lossScale, LossScaler.DEFAULT_GROWTH_INTERVAL)).listener(log)
                        .listener(m -> System.err.printf(Locale.ROOT, "step %d/%d  lr %.6g  grad_norm %.6f  loss %.6f%n",
                                m.step(), m.totalSteps(), m.learningRate(), m.gradientNorm(), m.loss()))
                        .build()) {
            loop.run(index -> recorded.get((int) (index % recorded.size())));
            if (log.skippedSteps() > 0) {
                System.err.println("note: " + log.skippedSteps() + " step(s) had non-finite gradients and were "
                        + "skipped (see skipped in " + StepLog.FILE + "); from there on the replay does not follow "
                        + "the recording");
            }
        }
    }

    private AlbertConfig config() {
        if (!Files.isDirectory(init)) {
            throw new InvalidInputException("--init " + init + " is not a directory (it needs config.json and "
                    + "model.safetensors)");
        }
        try {
            return HfCheckpoint.config(init);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException("--init " + init + ": " + e.getMessage());
        }
    }

    private Map<String, SafeTensors.Tensor> weights() {
        Path file = init.resolve(HfCheckpoint.WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("--init " + init + " has no " + HfCheckpoint.WEIGHTS_FILE + ": replay "
                    + "starts from recorded weights (save them with save_pretrained(..., safe_serialization=True))");
        }
        try {
            return SafeTensors.read(file);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(file + " is not a readable safetensors file: " + e.getMessage());
        }
    }

    /** The config's architectures, else the heads the weights hold. */
    private AlbertTask task(Map<String, SafeTensors.Tensor> weights) {
        AlbertTask task;
        try {
            var architectures = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(init.resolve(HfCheckpoint.CONFIG_FILE).toFile()).path("architectures");
            task = architectures.isArray() && !architectures.isEmpty()
                    ? AlbertTask.fromArchitecture(architectures.get(0).asText())
                    : weights.containsKey("sop_classifier.classifier.weight") ? AlbertTask.PRETRAINING
                    : weights.containsKey("classifier.weight") ? AlbertTask.SEQUENCE_CLASSIFICATION : null;
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException("--init " + init + ": " + e.getMessage());
        }
        if (task != AlbertTask.PRETRAINING && task != AlbertTask.SEQUENCE_CLASSIFICATION) {
            throw new InvalidInputException("--init " + init + " is "
                    + (task == null ? "neither a pretraining nor a classification checkpoint (no sop_classifier or "
                            + "classifier weights, no architectures in config.json)" : "an " + task.architecture())
                    + ": replay supports AlbertForPreTraining and AlbertForSequenceClassification");
        }
        return task;
    }

    /** Replay starts from the recorded weights: a missing or misshapen one would be drawn afresh, not replayed. */
    private void requireEveryWeight(AlbertConfig config, AlbertTask task, Map<String, SafeTensors.Tensor> weights) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> e : AlbertModel.parameterShapes(config, task).entrySet()) {
            SafeTensors.Tensor t = weights.get(e.getKey());
            if (t == null) {
                problems.add(e.getKey() + " is missing");
            } else if (!new Shape(t.shape()).equals(e.getValue())) {
                problems.add(e.getKey() + " has shape " + new Shape(t.shape()) + ", the config asks for " + e.getValue());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(init.resolve(HfCheckpoint.WEIGHTS_FILE) + " does not fit config.json as an "
                    + task.architecture() + ": " + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                    + (problems.size() > 3 ? " (and " + (problems.size() - 3) + " more)" : ""));
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read() throws IOException;
    }

    private <T> T read(Reader<T> reader) {
        try {
            return reader.read();
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException("--batches " + e.getMessage());
        }
    }

    /** Accepts transformers / google-albert (any case, - or _). */
    static final class DecayExclusionConverter implements picocli.CommandLine.ITypeConverter<AdamW.DecayExclusion> {
        @Override
        public AdamW.DecayExclusion convert(String value) {
            try {
                return AdamW.DecayExclusion.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("use transformers or google-albert, not '"
                        + value + "'");
            }
        }
    }
}
