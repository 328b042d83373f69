-- Outbox ids are never reused (AUTOINCREMENT): every post carries its row's id (the nonce and
-- the footer marker), and the exactly-once lookup takes a marked message in the channel for the
-- row of that id. A new row must not inherit the id of a deleted row that was posted.

CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key      TEXT NOT NULL UNIQUE,              -- 'alert:<entry>:<channel>', ...
    kind            TEXT NOT NULL,                     -- alert, alert_summary, notice, digest
    entry_id        INTEGER REFERENCES entries(id) ON DELETE CASCADE,
    subscription_id INTEGER REFERENCES subscriptions(id) ON DELETE SET NULL,
    channel_id      TEXT NOT NULL,
    payload         TEXT,                              -- JSON for notices: the text to post
    status          TEXT NOT NULL DEFAULT 'pending',   -- pending, sent, held, dropped, failed
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT,
    last_error      TEXT,
    message_id      TEXT,
    sent_at         TEXT,
    attempted_at    TEXT
);
INSERT INTO outbox_new(id, dedupe_key, kind, entry_id, subscription_id, channel_id, payload,
                       status, created_at, attempts, not_before, last_error, message_id, sent_at,
                       attempted_at)
SELECT id, dedupe_key, kind, entry_id, subscription_id, channel_id, payload, status, created_at,
       attempts, not_before, last_error, message_id, sent_at, attempted_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(status, id);
CREATE INDEX outbox_subscription ON outbox(subscription_id, status);
CREATE INDEX outbox_channel_order ON outbox(channel_id, status, id);
