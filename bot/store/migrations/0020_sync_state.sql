-- The sync engine's state per source (bot/sync/engine.py): what was last fetched (ETag,
-- Last-Modified, the body's sha256 and size), the snapshot date it describes, its health
-- (failures in a row, paused, whether the operators were told), and the source's last fact
-- map (JSON: what the snapshot said, model by model) that the next snapshot is diffed against.
CREATE TABLE sync_state (
    key            TEXT PRIMARY KEY,
    url            TEXT,
    etag           TEXT,
    last_modified  TEXT,
    body_hash      TEXT,
    size           INTEGER,
    as_of          TEXT,
    models         INTEGER NOT NULL DEFAULT 0,
    last_attempt   TEXT,
    last_success   TEXT,
    next_sync      TEXT,
    failures       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    paused         INTEGER NOT NULL DEFAULT 0,
    pause_notified INTEGER NOT NULL DEFAULT 0,
    facts          TEXT NOT NULL DEFAULT '{}'
);
