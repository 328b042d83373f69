-- Scheduled digests: one schedule per channel; the next slot and the end of the last period
-- are stored, so restarts and downtime neither skip nor repeat a digest.

CREATE TABLE digest_schedules (
    id              INTEGER PRIMARY KEY,
    guild_id        TEXT NOT NULL,
    channel_id      TEXT NOT NULL UNIQUE,
    frequency       TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    weekday         INTEGER NOT NULL DEFAULT 0,
    at              TEXT NOT NULL,                    -- local wall-clock time, HH:MM
    zone            TEXT NOT NULL,                    -- IANA time zone
    filters         TEXT NOT NULL DEFAULT '{}',
    quiet           TEXT NOT NULL DEFAULT 'line' CHECK (quiet IN ('line', 'skip')),
    next_run        TEXT NOT NULL,                    -- UTC ISO 8601
    last_period_end TEXT,                             -- UTC; NULL before the first digest
    created_by      TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX digest_schedules_due ON digest_schedules(next_run);
CREATE INDEX digest_schedules_guild ON digest_schedules(guild_id);
