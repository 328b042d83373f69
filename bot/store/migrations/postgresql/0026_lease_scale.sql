-- Scale-out: several bot processes on one store (the SQLite file of the same name explains
-- each table).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN guild_id TEXT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

UPDATE outbox SET guild_id = (SELECT s.guild_id FROM subscriptions s WHERE s.id = outbox.subscription_id)
WHERE subscription_id IS NOT NULL;
UPDATE outbox SET guild_id = (SELECT d.guild_id FROM digest_schedules d WHERE d.channel_id = outbox.channel_id)
WHERE guild_id IS NULL AND kind = 'digest';
UPDATE outbox SET guild_id = (SELECT s.guild_id FROM subscriptions s WHERE s.channel_id = outbox.channel_id LIMIT 1)
WHERE guild_id IS NULL AND kind != 'follow_dm';

CREATE TABLE rate_budget (
    name TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    granted BIGINT NOT NULL
);

CREATE TABLE catalog_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalog_version(id, version) VALUES (1, 0);

-- One bump per statement (SQLite's triggers are per row): a bulk import bumps once a statement.
CREATE FUNCTION rr_bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER catalog_version_organisations AFTER INSERT OR UPDATE OR DELETE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_organisation_aliases AFTER INSERT OR UPDATE OR DELETE ON organisation_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_models AFTER INSERT OR UPDATE OR DELETE ON models
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_aliases AFTER INSERT OR UPDATE OR DELETE ON model_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_claims AFTER INSERT OR UPDATE OR DELETE ON model_claims
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_benchmarks AFTER INSERT OR UPDATE OR DELETE ON benchmarks
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
