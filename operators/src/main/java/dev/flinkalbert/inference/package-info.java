/**
 * ALBERT inference on ONNX Runtime, without Flink: model directories checked against the ALBERT ONNX contract,
 * one shared session per model per job class loader, batches of texts turned into labels, embeddings, extractive
 * answers or named entities.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * try (AlbertModel model = AlbertModel.builder()
 *         .modelDirectory(Path.of("models/sentiment"))   // model.onnx + config.json + spiece.model
 *         .device("cpu")                                 // "cuda[:N]" falls back to the CPU with a warning
 *         .intraOpThreads(1)
 *         .build();                                      // InvalidModelException listing every problem
 *      Classifier classifier = model.classifier().topK(3).build()) {   // one predictor per thread
 *     List<Outcome<ClassificationPrediction>> out = classifier.predict(List.of(
 *             TextInput.of("great film"), TextInput.pair("premise", "hypothesis")));
 * }
 * }</pre>
 * {@link dev.flinkalbert.inference.AlbertModel#embedder()} ({@link dev.flinkalbert.inference.Pooling}, L2
 * normalisation), {@link dev.flinkalbert.inference.AlbertModel#answerer()} (Hugging Face's question-answering
 * pipeline, windows over long contexts) and {@link dev.flinkalbert.inference.AlbertModel#tokenClassifier()} (its
 * token-classification pipeline: {@link dev.flinkalbert.inference.EntityAggregation}, windows over long texts) work
 * the same way. Each head's options are one {@link dev.flinkalbert.inference.TaskSpec} record, named by its
 * {@link dev.flinkalbert.inference.ModelTask}; {@code model.predictor(spec, limits)} runs any head, which is how the
 * Flink operators, SQL and {@code predict} build theirs.
 *
 * <h2>Layers</h2>
 * <ul>
 *   <li>{@link dev.flinkalbert.inference.AlbertModel}: the checked model directory and its lease on the shared
 *       session ({@code SharedSessions}: one {@code OrtEnvironment}, one {@code OrtSession} per model file and
 *       settings, reference-counted, warmed up when opened).</li>
 *   <li>{@link dev.flinkalbert.inference.AlbertEncoder}: tokens in, raw outputs out. Rows sorted by length, cut
 *       into sub-batches under a row and a padded-token budget, padded to each sub-batch's longest row, read back
 *       in input order; inputs and outputs in reusable direct buffers.</li>
 *   <li>{@link dev.flinkalbert.inference.AlbertPredictor}: texts in, one
 *       {@link dev.flinkalbert.inference.Outcome} per text out (a text that cannot be tokenized fails alone; an
 *       ONNX Runtime failure throws {@link dev.flinkalbert.inference.InferenceException} for the batch).</li>
 * </ul>
 */
package dev.flinkalbert.inference;
