-- Family -> model -> snapshot: a model record may be a dated snapshot of another model record
-- (gpt-4o-2024-08-06 of GPT-4o). Each snapshot keeps its own claims, so facts about one
-- snapshot never contradict another's. The family stays the `family` text of both.

ALTER TABLE models ADD COLUMN parent_id INTEGER REFERENCES models(id) ON DELETE SET NULL;
ALTER TABLE models ADD COLUMN snapshot TEXT;   -- the snapshot's ISO date (full or YYYY-MM)
CREATE INDEX models_parent ON models(parent_id);
