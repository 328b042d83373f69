-- The server a curator change was made in: history and undo are scoped to it, so one server
-- cannot see or revert another's changes. Changes made before this have none (NULL).

ALTER TABLE audit_log ADD COLUMN guild_id TEXT;
CREATE INDEX audit_log_guild ON audit_log(guild_id, id);
