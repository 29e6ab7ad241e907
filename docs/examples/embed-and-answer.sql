-- ./albert sql --json docs/examples/embed-and-answer.sql        (from the repository root)
CREATE MODEL embedder
  INPUT (text STRING)
  OUTPUT (embedding ARRAY<FLOAT>)
  WITH (
    'provider' = 'albert',
    'model-directory' = 'testdata/hf-albert-tiny/base',
    'pooling' = 'mean',
    'normalize' = 'true'
  );

CREATE MODEL reader
  INPUT (question STRING, context STRING)
  OUTPUT (answer STRING, score DOUBLE, answer_start INT, answer_end INT)
  WITH (
    'provider' = 'albert',
    'model-directory' = 'testdata/hf-albert-tiny/qa',
    'top-k' = '2'                       -- two rows per question
  );

CREATE TEMPORARY VIEW docs AS
  SELECT * FROM (VALUES (1, 'Flink runs the model.', 'Who runs the model?')) AS t(id, body, question);

SELECT id, CARDINALITY(embedding) AS dims, embedding[1] AS first
FROM ML_PREDICT(TABLE docs, MODEL embedder, DESCRIPTOR(body));

SELECT id, answer, score, answer_start, answer_end
FROM ML_PREDICT(TABLE docs, MODEL reader, DESCRIPTOR(question, body));
