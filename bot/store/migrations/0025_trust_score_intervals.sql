-- A source's own interval around a score (LMArena publishes a 95% CI around each Elo rating)
-- and the vote count it rests on. Both empty for sources that give neither.
ALTER TABLE scores ADD COLUMN ci_low REAL;
ALTER TABLE scores ADD COLUMN ci_high REAL;
ALTER TABLE scores ADD COLUMN votes INTEGER;
