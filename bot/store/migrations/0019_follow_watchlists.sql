-- Personal watchlists: what a user follows (keyed by user id, never by guild), the changes
-- found for their follows, and per user whether their DMs are paused and when the last went.

CREATE TABLE follows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,   -- the Unfollow button carries it
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,                       -- model, org, license, benchmark
    target_key  TEXT NOT NULL,                       -- model id, org name, license id, benchmark id
    target_name TEXT NOT NULL,                       -- as shown to the user
    what        TEXT NOT NULL,                       -- comma-separated: license, price, scores, releases
    created_at  TEXT NOT NULL,
    UNIQUE (user_id, kind, target_key)
);
CREATE INDEX follows_target ON follows(kind, target_key);

CREATE TABLE follow_users (
    user_id      TEXT PRIMARY KEY,
    paused       INTEGER NOT NULL DEFAULT 0,          -- the user's DMs are closed to the bot
    pause_reason TEXT,
    last_dm_at   TEXT,                                -- when the last batch was queued
    batches      INTEGER NOT NULL DEFAULT 0           -- batches queued so far (the DM's dedupe key)
);

-- One row per change and follow; `batch` is set when it is queued in a DM.
CREATE TABLE follow_changes (
    id        INTEGER PRIMARY KEY,
    follow_id INTEGER NOT NULL REFERENCES follows(id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    origin    TEXT NOT NULL,                          -- 'entry:<id>' or 'audit:<id>'
    what      TEXT NOT NULL,                          -- license, price, scores, releases
    title     TEXT NOT NULL,
    link      TEXT,
    at        TEXT NOT NULL,
    batch     INTEGER,
    UNIQUE (follow_id, origin)
);
CREATE INDEX follow_changes_user ON follow_changes(user_id, batch);

-- How far the watchlists have read the release watch's entries and the curators' audit log:
-- only what came after the feature was installed is news.
CREATE TABLE follow_cursors (
    name    TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL
);
INSERT INTO follow_cursors(name, last_id) SELECT 'entries', COALESCE(MAX(id), 0) FROM entries;
INSERT INTO follow_cursors(name, last_id) SELECT 'audit', COALESCE(MAX(id), 0) FROM audit_log;
