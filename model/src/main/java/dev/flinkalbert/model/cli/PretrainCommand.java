package dev.flinkalbert.model.cli;

import ai.djl.ndarray.NDManager;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.datasets.PublicDataset;
import dev.flinkalbert.model.export.OnnxExporter;
import dev.flinkalbert.model.pretraining.PretrainingBatch;
import dev.flinkalbert.model.pretraining.PretrainingCorpus;
import dev.flinkalbert.model.pretraining.PretrainingData;
import dev.flinkalbert.model.pretraining.PretrainingObjective;
import dev.flinkalbert.model.pretraining.SentenceOrderEvaluation;
import dev.flinkalbert.model.classification.DataSplits;
import dev.flinkalbert.model.report.TrainingReport;
import dev.flinkalbert.model.training.LearningRateSchedule;
import dev.flinkalbert.model.training.TrainingLoop;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./albert train pretrain}: masked LM + sentence-order prediction on plain text, resumable. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrain ALBERT (n-gram masked LM + sentence-order prediction) on plain-text documents, "
                + "reporting sentence-order accuracy on held-out documents (--held-out). "
                + "Checkpoints go to <out>/checkpoint and a rerun with the same settings resumes there; the result "
                + "is a Hugging Face-layout AlbertForPreTraining in <out> (config.json, model.safetensors, spiece.model).",
            "Example: ./albert train pretrain --corpus sotu,moby-dick --vocab spiece.model --hidden-size 256 "
                    + "--layers 6 --heads 4 --intermediate-size 1024 --steps 20000 --out models/pretrained"})
final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--corpus", split = ",", paramLabel = "NAME", description = "Public corpora: sotu, moby-dick.")
    List<String> corpora = new ArrayList<>();

    @Option(names = "--text", paramLabel = "FILE", description = "Plain-text files; a blank line separates documents.")
    List<Path> texts = new ArrayList<>();

    @Option(names = "--vocab", required = true, paramLabel = "FILE", description = "spiece.model (see ./albert train vocab).")
    Path vocab;

    @Option(names = "--config", paramLabel = "FILE", description = "A config.json; else the size options below.")
    Path config;

    @Option(names = "--embedding-size", defaultValue = "128") int embeddingSize;
    @Option(names = "--hidden-size", defaultValue = "256") int hiddenSize;
    @Option(names = "--layers", defaultValue = "6") int layers;
    @Option(names = "--groups", defaultValue = "1", description = "Layer groups (1: one layer shared by all).") int groups;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--intermediate-size", defaultValue = "1024") int intermediateSize;

    @Option(names = "--no-sop", description = "Masked LM only (an AlbertForMaskedLM), the ablation without "
            + "sentence-order prediction.")
    boolean noSop;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--steps", defaultValue = "10000") long steps;
    @Option(names = "--batch-size", defaultValue = "32") int batchSize;
    @Option(names = "--max-length", defaultValue = "128") int maxLength;
    @Option(names = "--learning-rate", defaultValue = "1e-3") float learningRate;
    @Option(names = "--warmup", defaultValue = "0.05", description = "Warm-up share of the steps. Default: ${DEFAULT-VALUE}.")
    float warmup;
    @Option(names = "--accumulation", defaultValue = "1") int accumulation;
    @Option(names = "--max-grad-norm", defaultValue = "1.0") float maxGradNorm;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--checkpoint-every", defaultValue = "500") long checkpointEvery;
    @Option(names = "--held-out", defaultValue = "0.05", paramLabel = "FRACTION",
            description = "Share of the documents kept out of training (at least one; split by --split-seed); the "
                    + "model's sentence-order accuracy and loss and its masked-LM loss on their pairs are reported "
                    + "every --eval-every steps and at the end. 0: none. Default: ${DEFAULT-VALUE}.")
    double heldOut;
    @Option(names = "--eval-every", defaultValue = "500", paramLabel = "STEPS",
            description = "Steps between held-out evaluations (0: only at the end). Default: ${DEFAULT-VALUE}.")
    long evalEvery;
    @Mixin DataOptions data;
    @Mixin PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        if (corpora.isEmpty() && texts.isEmpty()) {
            throw new IllegalArgumentException("no text to pretrain on: give --corpus sotu,moby-dick and/or --text FILE");
        }
        AlbertTokenizer tokenizer = AlbertTokenizer.fromSpieceModel(vocab);
        List<String> documents = new ArrayList<>(PretrainingCorpus.readTextFiles(texts));
        for (String name : corpora) {
            PublicDataset d = PublicDataset.fromCliName(name);
            documents.addAll(data.registry().documents(d));
            System.err.println("corpus " + d.cliName() + " (" + d.npmPackage() + "@" + d.version() + "). Licence: "
                    + d.licence());
        }
        if (!(heldOut >= 0 && heldOut < 1)) {
            throw new IllegalArgumentException("--held-out must be within [0, 1), got " + heldOut);
        }
        List<List<int[]>> tokens = PretrainingCorpus.tokenize(documents, tokenizer);
        List<List<int[]>> heldOutDocuments = List.of();
        if (heldOut > 0 && tokens.size() >= 2) {
            // at least one document; --split-seed keeps the held-out documents fixed across --seed
            DataSplits.Split<List<int[]>> split = DataSplits.split(tokens, Math.max(heldOut, 1.0 / tokens.size()),
                    data.splitSeed);
            tokens = split.rest();
            heldOutDocuments = split.held();
        } else if (heldOut > 0) {
            System.err.println("no held-out evaluation: it needs at least 2 documents (a blank line separates them)");
        }
        long pieces = tokens.stream().flatMap(List::stream).mapToLong(s -> s.length).sum();
        AlbertConfig modelConfig = config != null ? AlbertConfig.read(config)
                : AlbertConfig.builder().vocabSize(tokenizer.vocabSize()).embeddingSize(embeddingSize)
                        .hiddenSize(hiddenSize).numHiddenLayers(layers).numHiddenGroups(groups).numAttentionHeads(heads)
                        .intermediateSize(intermediateSize).maxPositionEmbeddings(Math.max(512, maxLength)).build();
        if (modelConfig.vocabSize() != tokenizer.vocabSize()) {
            throw new IllegalArgumentException("the config's vocab_size " + modelConfig.vocabSize()
                    + " differs from the vocabulary's " + tokenizer.vocabSize() + " pieces");
        }
        PretrainingData batches = new PretrainingData(tokens, PretrainingCorpus.vocabulary(tokenizer), maxLength,
                batchSize, seed);
        AlbertTask task = noSop ? AlbertTask.MASKED_LM : AlbertTask.PRETRAINING;
        System.err.printf("%d documents, %,d pieces, %d batches an epoch; model %,d parameters%n", tokens.size(),
                pieces, batches.batchesPerEpoch(), AlbertModel.parameterCount(modelConfig, task));
        List<PretrainingBatch> heldOutBatches = heldOutBatches(heldOutDocuments, tokenizer);
        if (!heldOutBatches.isEmpty()) {
            System.err.printf("held out: %d documents, %d pairs%n", heldOutDocuments.size(),
                    heldOutBatches.stream().mapToInt(PretrainingBatch::batch).sum());
        }
        Files.createDirectories(out);
        try (NDManager manager = NDManager.newBaseManager();
                AlbertModel model = AlbertModel.initialize(modelConfig, task, seed, manager);
                TrainingReport report = new TrainingReport(out, System.err);
                TrainingLoop<PretrainingBatch> loop = TrainingLoop.<PretrainingBatch>builder().model(model)
                        .objective(new PretrainingObjective())
                        .schedule(new LearningRateSchedule(learningRate, Math.round(steps * warmup), steps))
                        .accumulationSteps(accumulation).maxGradientNorm(maxGradNorm).seed(seed)
                        .precision(precision.resolve())
                        .checkpoint(out.resolve("checkpoint"), checkpointEvery).listener(report).build()) {
            if (loop.resumeIfPresent()) {
                System.err.println("resuming from " + out.resolve("checkpoint") + " at step " + loop.step());
            }
            long started = System.nanoTime();
            SentenceOrderEvaluation.Result last = null;
            while (loop.step() < steps) {
                long next = evalEvery > 0 ? Math.min(steps, (loop.step() / evalEvery + 1) * evalEvery) : steps;
                loop.runUntil(batches, next);
                if (!heldOutBatches.isEmpty()) {
                    last = SentenceOrderEvaluation.evaluate(model, heldOutBatches);
                    report.evaluation(loop.step(), last.asMetrics());
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            HfCheckpoint.save(model, out);
            Files.copy(vocab, out.resolve(OnnxExporter.VOCABULARY_FILE), StandardCopyOption.REPLACE_EXISTING);
            System.out.printf("pretrained %d steps in %.0f s (%,.0f tokens/s); checkpoint in %s%n", loop.step(), seconds,
                    report.tokens() / Math.max(seconds, 1e-9), out);
            if (last != null && Double.isNaN(last.sopAccuracy())) {
                System.out.printf(java.util.Locale.ROOT, "held out (%d documents, %d pairs): MLM loss %.4f%n",
                        heldOutDocuments.size(), last.pairs(), last.mlmLoss());
            } else if (last != null) {
                System.out.printf(java.util.Locale.ROOT, "held out (%d documents, %d pairs, %.3f swapped): SOP accuracy"
                        + " %.4f (%.3f predicted swapped), SOP loss %.4f, MLM loss %.4f%n", heldOutDocuments.size(),
                        last.pairs(), last.swappedShare(), last.sopAccuracy(), last.predictedSwappedShare(),
                        last.sopLoss(), last.mlmLoss());
            }
        }
        return 0;
    }

    /** Every pair of the held-out documents once; none (said on stderr) when they give no pair. */
    private List<PretrainingBatch> heldOutBatches(List<List<int[]>> documents, AlbertTokenizer tokenizer) {
        if (documents.isEmpty()) {
            return List.of();
        }
        try {
            return new PretrainingData(documents, PretrainingCorpus.vocabulary(tokenizer), maxLength, batchSize, seed)
                    .evaluationBatches();
        } catch (IllegalArgumentException e) {
            System.err.println("no held-out evaluation: the " + documents.size() + " held-out documents give no "
                    + "sentence pair (" + e.getMessage() + ")");
            return List.of();
        }
    }
}
