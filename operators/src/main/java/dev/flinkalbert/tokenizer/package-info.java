/**
 * The ALBERT tokenizer in pure Java: the ids of transformers' slow {@code AlbertTokenizer} (SentencePiece with
 * ALBERT's pre-processing), token spans in the original text as HF's fast tokenizer reports them, pairs,
 * truncation, question-answering windows and padded batches. No Flink, no native code, no protobuf library.
 *
 * <pre>{@code
 * AlbertTokenizer tokenizer = AlbertTokenizer.fromModelDirectory(modelDir); // spiece.model, else tokenizer.json
 * Encoding e = tokenizer.encode(text, 128);             // e.ids(), e.typeIds(), e.starts(), e.ends()
 * PaddedBatch batch = tokenizer.encodeBatch(texts, 128); // long[] input_ids / attention_mask / token_type_ids
 * }</pre>
 *
 * <p>Stages, one package each, every one reading and writing primitive arrays that carry each character's span
 * in the original text ({@link dev.flinkalbert.tokenizer.normalizer.AlignedText},
 * {@link dev.flinkalbert.tokenizer.normalizer.AlignedBytes}):
 * <ol>
 *   <li>{@code normalizer.LowercaseOutsideLiterals}: Python {@code str.lower()} per code point, special literals kept;
 *   <li>{@code pretokenizer.SpecialLiterals}: {@code <pad> <unk> [CLS] [SEP] [MASK]} cut out as tokens;
 *   <li>{@code normalizer.AlbertPreprocess}: whitespace collapse, {@code ``}/{@code ''} to {@code "}, NFKD without
 *       combining marks, {@code lower()};
 *   <li>{@code normalizer.SentencePieceNormalizer}: user-defined symbols, the precompiled charsmap, {@code ▁};
 *   <li>{@code model.Unigram}: Viterbi over a double-array trie of the pieces, then ALBERT's digit-comma rule;
 *   <li>{@code processor}: slow truncation rules, HF's overflow windows, the {@code [CLS] A [SEP] B [SEP]} template.
 * </ol>
 * Unicode data is Unicode 14 (as the reference's Python 3.11), generated from ICU4J 70.1 into
 * {@code unicode-tables.bin} by a test-scope generator and checked against ICU4J by a test.
 *
 * <p>Conformance: 2,000 of 2,000 dev vectors; against the sentencepiece 0.2.2 wheel with the slow rules, 1 of
 * 123,000 generated texts differs (a run of {@code a}s after several user-defined symbols: an exact score tie that
 * SentencePiece's float arithmetic breaks otherwise). Spans equal HF's Rust tokenizer's on every dev text where the
 * ids agree, except texts with control characters, where HF's spans are shifted (ours are the true ones).
 */
package dev.flinkalbert.tokenizer;
