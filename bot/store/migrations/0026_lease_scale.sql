-- Scale-out: several bot processes on one store.
-- One leader at a time (the lease row "leader"): it polls feeds, syncs, schedules digests and
-- keeps the store; a lease not renewed by `expires_at` may be taken by another process.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Outbox rows carry their guild (NULL: a DM or a channel outside any guild) so a process
-- claims only the rows of the guilds its shards hold, and the claim itself.
ALTER TABLE outbox ADD COLUMN guild_id TEXT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

UPDATE outbox SET guild_id = (SELECT s.guild_id FROM subscriptions s WHERE s.id = outbox.subscription_id)
WHERE subscription_id IS NOT NULL;
UPDATE outbox SET guild_id = (SELECT d.guild_id FROM digest_schedules d WHERE d.channel_id = outbox.channel_id)
WHERE guild_id IS NULL AND kind = 'digest';
UPDATE outbox SET guild_id = (SELECT s.guild_id FROM subscriptions s WHERE s.channel_id = outbox.channel_id LIMIT 1)
WHERE guild_id IS NULL AND kind != 'follow_dm';

-- The global request budget shared by every process (used on PostgreSQL only): the tokens
-- taken in the current one-second window.
CREATE TABLE rate_budget (
    name TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    used INTEGER NOT NULL,
    granted INTEGER NOT NULL
);

-- Bumped by every change of what the name index is built from, in the change's own unit of
-- work (triggers), so every process sees when to rebuild its in-memory index.
CREATE TABLE catalog_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalog_version(id, version) VALUES (1, 0);
CREATE TRIGGER catalog_version_organisations_insert AFTER INSERT ON organisations
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_organisations_update AFTER UPDATE ON organisations
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_organisations_delete AFTER DELETE ON organisations
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_organisation_aliases_insert AFTER INSERT ON organisation_aliases
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_organisation_aliases_update AFTER UPDATE ON organisation_aliases
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_organisation_aliases_delete AFTER DELETE ON organisation_aliases
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_models_insert AFTER INSERT ON models
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_models_update AFTER UPDATE ON models
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_models_delete AFTER DELETE ON models
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_model_aliases_insert AFTER INSERT ON model_aliases
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_model_aliases_update AFTER UPDATE ON model_aliases
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_model_aliases_delete AFTER DELETE ON model_aliases
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_model_claims_insert AFTER INSERT ON model_claims
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_model_claims_update AFTER UPDATE ON model_claims
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_model_claims_delete AFTER DELETE ON model_claims
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_benchmarks_insert AFTER INSERT ON benchmarks
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_benchmarks_update AFTER UPDATE ON benchmarks
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER catalog_version_benchmarks_delete AFTER DELETE ON benchmarks
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
