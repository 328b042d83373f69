-- Release watch: feed sources with health, entries deduplicated across sources,
-- subscriptions, and the outbox that makes every alert exactly-once.

CREATE TABLE feed_sources (
    id                   INTEGER PRIMARY KEY,
    key                  TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    kind                 TEXT NOT NULL,               -- rss, atom, rdf, json, curated
    org                  TEXT,
    poll_minutes         INTEGER NOT NULL DEFAULT 30,
    added_by             TEXT,                        -- 'bundled' or a curator's user id
    etag                 TEXT,
    last_modified        TEXT,
    last_attempt         TEXT,
    last_success         TEXT,
    next_poll            TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    paused               INTEGER NOT NULL DEFAULT 0,
    pause_notified       INTEGER NOT NULL DEFAULT 0,
    entries_seen         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE entries (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    link       TEXT,
    summary    TEXT,
    published  TEXT,                                   -- UTC ISO 8601, NULL when unknown
    type       TEXT NOT NULL,
    org        TEXT,
    first_seen TEXT NOT NULL
);
CREATE INDEX entries_published ON entries(published);
CREATE INDEX entries_first_seen ON entries(first_seen);
CREATE INDEX entries_when ON entries(COALESCE(published, first_seen));

-- Every identity an entry was seen under (guid, normalised link, title+date): a feed that
-- changes guids or re-dates items still maps to the same entry.
CREATE TABLE entry_identities (
    identity TEXT PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE
);
CREATE INDEX entry_identities_entry ON entry_identities(entry_id);

CREATE TABLE entry_sources (
    entry_id    INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    source_key  TEXT NOT NULL,
    source_name TEXT NOT NULL,
    link        TEXT,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (entry_id, source_key)
);

CREATE TABLE entry_models (
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    PRIMARY KEY (entry_id, model_id)
);
CREATE INDEX entry_models_model ON entry_models(model_id);

CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    guild_id          TEXT NOT NULL,
    channel_id        TEXT NOT NULL,
    filters           TEXT NOT NULL DEFAULT '{}',     -- JSON: orgs, openness, modality, types, keywords
    role_id           TEXT,                            -- set explicitly by an admin; else no ping
    notify_channel_id TEXT,                            -- where admins are told about problems
    created_by        TEXT,
    created_at        TEXT NOT NULL,
    paused            INTEGER NOT NULL DEFAULT 0,
    pause_reason      TEXT
);
CREATE INDEX subscriptions_guild ON subscriptions(guild_id);
CREATE INDEX subscriptions_channel ON subscriptions(channel_id);

-- Everything the bot posts on its own (alerts, notices, later digests) goes through here: a row
-- is written in the same transaction as what caused it, and `dedupe_key` makes it exactly-once.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,              -- 'alert:<entry>:<channel>', ...
    kind            TEXT NOT NULL,                     -- alert, notice
    entry_id        INTEGER REFERENCES entries(id) ON DELETE CASCADE,
    subscription_id INTEGER REFERENCES subscriptions(id) ON DELETE SET NULL,
    channel_id      TEXT NOT NULL,
    payload         TEXT,                              -- JSON for notices: the text to post
    status          TEXT NOT NULL DEFAULT 'pending',   -- pending, sent, held, dropped
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT,
    last_error      TEXT,
    message_id      TEXT,
    sent_at         TEXT
);
CREATE INDEX outbox_pending ON outbox(status, id);
CREATE INDEX outbox_subscription ON outbox(subscription_id, status);
