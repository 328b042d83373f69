-- A source is flagged as re-guiding only on repeated evidence, and the flag lapses when the
-- evidence stops: one re-posted item (a correction, a weekly post of the same title) flagged a
-- well-behaved source for good, and its later posts of that title were taken for old news.
ALTER TABLE feed_sources ADD COLUMN reguid_sightings INTEGER NOT NULL DEFAULT 0;  -- fetches that re-guided
ALTER TABLE feed_sources ADD COLUMN reguid_last TEXT;  -- UTC ISO 8601 of the latest such fetch

-- A flag set by the old rule rests on a single sighting: it counts as one, not yet as a flag.
UPDATE feed_sources SET reguid_sightings = 1, reguid_last = reguids_since, reguids_since = NULL
WHERE reguids_since IS NOT NULL;
