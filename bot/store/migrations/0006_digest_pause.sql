-- A digest whose channel is gone or closed to the bot is paused (not dropped slot after slot):
-- its digests are held, and the admins hear of it where the digest was set up.
-- The table is rebuilt so that schedule ids are never reused (AUTOINCREMENT): a digest's
-- exactly-once key names its schedule, and a new schedule must not inherit an old one's keys.

CREATE TABLE digest_schedules_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id          TEXT NOT NULL,
    channel_id        TEXT NOT NULL UNIQUE,
    frequency         TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    weekday           INTEGER NOT NULL DEFAULT 0,
    at                TEXT NOT NULL,                    -- local wall-clock time, HH:MM
    zone              TEXT NOT NULL,                    -- IANA time zone
    filters           TEXT NOT NULL DEFAULT '{}',
    quiet             TEXT NOT NULL DEFAULT 'line' CHECK (quiet IN ('line', 'skip')),
    next_run          TEXT NOT NULL,                    -- UTC ISO 8601
    last_period_end   TEXT,                             -- UTC; NULL before the first digest
    created_by        TEXT,
    created_at        TEXT NOT NULL,
    paused_reason     TEXT,                             -- NULL while active
    notify_channel_id TEXT                              -- where /digest set was run
);
INSERT INTO digest_schedules_new(id, guild_id, channel_id, frequency, weekday, at, zone, filters,
                                 quiet, next_run, last_period_end, created_by, created_at)
SELECT id, guild_id, channel_id, frequency, weekday, at, zone, filters, quiet, next_run,
       last_period_end, created_by, created_at
FROM digest_schedules;
DROP TABLE digest_schedules;
ALTER TABLE digest_schedules_new RENAME TO digest_schedules;
CREATE INDEX digest_schedules_due ON digest_schedules(next_run);
CREATE INDEX digest_schedules_guild ON digest_schedules(guild_id);
