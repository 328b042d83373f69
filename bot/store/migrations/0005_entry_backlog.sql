-- Entries that are not news: stored by a source's first (baseline) poll, or curated history
-- without an exact date. They never alert and never appear in digests, and undated ones take no
-- part in merging stories by date.
ALTER TABLE entries ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;

-- Curated entries without an exact date, reported by no feed, are history.
UPDATE entries SET backlog = 1
WHERE published IS NULL
  AND id IN (SELECT entry_id FROM entry_sources WHERE source_key = 'curated')
  AND id NOT IN (SELECT entry_id FROM entry_sources WHERE source_key <> 'curated');
