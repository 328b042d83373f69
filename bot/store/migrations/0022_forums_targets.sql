-- Where posts go and how: a channel's kind (text, announcement, thread, forum) and its options
-- for one purpose (alerts or digests). A channel without a row takes plain messages.

CREATE TABLE post_targets (
    channel_id       TEXT NOT NULL,
    purpose          TEXT NOT NULL CHECK (purpose IN ('alert', 'digest')),
    guild_id         TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('text', 'announcement', 'thread', 'forum')),
    publish          INTEGER NOT NULL DEFAULT 0,   -- announcement: crosspost each post
    thread_per_alert INTEGER NOT NULL DEFAULT 0,   -- text/announcement: a thread per post
    tag_map          TEXT NOT NULL DEFAULT '{}',   -- JSON: label -> forum tag name
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (channel_id, purpose)
);
CREATE INDEX post_targets_guild ON post_targets(guild_id);
