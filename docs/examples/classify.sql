-- ./albert sql docs/examples/classify.sql        (from the repository root)
-- Classifies a few reviews with the tiny test classifier in testdata/ (run from the repository root).
CREATE MODEL sentiment
  INPUT (text STRING)
  OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>, error STRING)
  WITH (
    'provider' = 'albert',
    'model-directory' = 'testdata/hf-albert-tiny/seqcls'
  );

CREATE TEMPORARY VIEW reviews AS
  SELECT * FROM (VALUES
    (1, 'A wonderful, warm film.'),
    (2, 'It''s dull; I left early.'),
    (3, CAST(NULL AS STRING))          -- comes out with label NULL and the reason in error
  ) AS t(id, text);

SELECT id, text, label, score, scores, error
FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text));
