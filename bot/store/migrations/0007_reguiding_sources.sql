-- A source seen re-issuing a story it already reported under a new guid and link (some feeds
-- make both up on every fetch) is flagged: its items are then also matched by normalised title
-- and summary against what it reported over a longer window, so the story is not re-alerted.
ALTER TABLE feed_sources ADD COLUMN reguids_since TEXT;  -- UTC ISO 8601; NULL: never seen

-- What one source reported lately, for that matching.
CREATE INDEX entry_sources_source ON entry_sources(source_key, seen_at);
