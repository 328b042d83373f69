-- Exactly once beyond Discord's nonce window: `attempted_at` is set (and committed) before a
-- row is posted and cleared once the outcome is known. A row still carrying it on its next turn
-- (a crash after the POST, a failed "sent" mark, a 5xx or a network error) is first looked up
-- in its channel's recent messages, by the outbox id each post carries, before it is sent again.
-- Rows Discord refused for good get status 'failed' (the reason in last_error).
ALTER TABLE outbox ADD COLUMN attempted_at TEXT;

-- A channel's rows leave in id order: the sender asks, per row, whether an earlier row of the
-- same channel is still waiting for a retry.
CREATE INDEX outbox_channel_order ON outbox(channel_id, status, id);
