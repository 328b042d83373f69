-- A claim's qualifier as its source says it ("under" 150 ms, "about" 1M, "more than" 10
-- million): the value alone would state more than the source does.
ALTER TABLE model_claims ADD COLUMN qualifier TEXT;
ALTER TABLE license_claims ADD COLUMN qualifier TEXT;
ALTER TABLE scores ADD COLUMN qualifier TEXT;
