-- ./albert sql docs/examples/bench-classify.sql        (from the repository root)
-- Rows per second through ML_PREDICT: 20,000 generated reviews into a blackhole sink, first without the model
-- (job start-up and row generation), then asynchronously and synchronously. Each job prints its time on stderr
-- ("albert sql: job … finished in … ms").
CREATE TEMPORARY TABLE ids (id BIGINT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '20000', 'rows-per-second' = '1000000000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '19999');
CREATE TEMPORARY VIEW reviews AS
  SELECT id, CONCAT('review ', CAST(id AS STRING),
    ': the film was long, the acting was fine and the music was loud in the second half') AS text
  FROM ids;
CREATE TEMPORARY TABLE sink (id BIGINT, label STRING) WITH ('connector' = 'blackhole');
CREATE MODEL sentiment INPUT (text STRING) OUTPUT (label STRING)
  WITH ('provider' = 'albert', 'model-directory' = 'testdata/hf-albert-tiny/seqcls', 'max-batch-size' = '32');

INSERT INTO sink SELECT id, text FROM reviews;
INSERT INTO sink SELECT id, label
  FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text), MAP['max-concurrent-operations', '64']);
INSERT INTO sink SELECT id, label
  FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text), MAP['async', 'false']);
