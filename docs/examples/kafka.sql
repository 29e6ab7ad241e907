-- Kafka json topic -> ML_PREDICT -> Kafka json topic. In one terminal:
--   ./albert broker --topic reviews:2,predictions:2
-- then put json lines such as {"id": 1, "text": "great film"} into 'reviews', and run:
--   ./albert sql docs/examples/kafka.sql
-- (it reads what is in the topic, 'scan.bounded.mode' = 'latest-offset', and stops; drop that option to keep going).

SET 'table.exec.async-ml-predict.max-concurrent-operations' = '64';  -- rows in flight per subtask

CREATE TABLE reviews (
  id INT,
  text STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'reviews',
  'properties.bootstrap.servers' = '127.0.0.1:9092',
  'properties.group.id' = 'albert-sql',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'json'
);

CREATE TABLE predictions (
  id INT,
  label STRING,
  score FLOAT,
  scores MAP<STRING, FLOAT>,
  error STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'predictions',
  'properties.bootstrap.servers' = '127.0.0.1:9092',
  'format' = 'json'
);

CREATE MODEL sentiment
  INPUT (text STRING)
  OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>, error STRING)
  WITH (
    'provider' = 'albert',
    'model-directory' = 'testdata/hf-albert-tiny/seqcls',
    'max-batch-size' = '64'
  );

INSERT INTO predictions
SELECT id, label, score, scores, error
FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text));
