-- An updated feed item edits its alert (issue 19). An entry remembers which source its text
-- came from and a hash of that text as compared (whitespace and tracking parameters left out:
-- bot/watch/edits.py), so a later fetch of the same item from that source can tell a material
-- change (a corrected title, a new summary) from a re-date or a re-guid. Retention trims old
-- summaries; the hash is of the text as first stored, so a trimmed body is no change.
-- `updated_at` is when the text last changed (NULL: never). Entries stored before this
-- migration get their hash the next time their source lists them, silently.
ALTER TABLE entries ADD COLUMN text_source TEXT;
ALTER TABLE entries ADD COLUMN text_hash TEXT;
ALTER TABLE entries ADD COLUMN updated_at TEXT;
UPDATE entries SET text_source = (
    SELECT s.source_key FROM entry_sources s WHERE s.entry_id = entries.id
    ORDER BY s.seen_at, s.source_name LIMIT 1
);
-- The edits of a posted alert are outbox rows of kind 'alert_edit', one per alert and text
-- (dedupe key 'edit:<alert outbox id>:<updated_at>'), found by entry through outbox_entry.
