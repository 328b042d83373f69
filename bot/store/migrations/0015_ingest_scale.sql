-- Ingest at scale and growth (issue 14).
-- A source's last body hash: an unchanged body (with or without ETag/Last-Modified) skips
-- parsing and ingesting; last_parsed says when its body was last parsed.
ALTER TABLE feed_sources ADD COLUMN body_hash TEXT;
ALTER TABLE feed_sources ADD COLUMN last_parsed TEXT;

-- The dedup's title key (normalised title) and the numbers it names, stored once instead of
-- rebuilt per row and poll; the numbers and the date narrow the candidates of a same-story
-- match (two titles name the same story only if they name the same numbers).
ALTER TABLE entries ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN title_numbers TEXT NOT NULL DEFAULT '';
UPDATE entries SET title_key = rr_title_key(title), title_numbers = rr_title_numbers(title);
CREATE INDEX entries_title_block ON entries(title_numbers, COALESCE(published, first_seen));

-- Deleting an entry (or pruning) finds its outbox rows without a scan.
CREATE INDEX outbox_entry ON outbox(entry_id);

-- When the store upkeep last did what it does only now and then (VACUUM).
CREATE TABLE store_upkeep (
    task TEXT PRIMARY KEY,
    at   TEXT NOT NULL
);

-- Retention trims old entries' summaries to their opening (200 characters, SUMMARY_SCAN):
-- this finds the ones still to trim without reading every old entry again.
CREATE INDEX entries_long_body ON entries(first_seen) WHERE length(summary) > 200;
