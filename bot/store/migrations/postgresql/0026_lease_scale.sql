-- Scale-out: several bot processes on one store (the SQLite file of the same name explains
-- each table).
CREATE TABLE leases (
    name TEXT COLLATE "C" PRIMARY KEY,
    holder TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);

ALTER TABLE outbox ADD COLUMN guild_id TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN claimed_until TEXT COLLATE "C";

UPDATE outbox SET guild_id = (SELECT s.guild_id FROM subscriptions s WHERE s.id = outbox.subscription_id)
WHERE subscription_id IS NOT NULL;
UPDATE outbox SET guild_id = (SELECT d.guild_id FROM digest_schedules d WHERE d.channel_id = outbox.channel_id)
WHERE guild_id IS NULL AND kind = 'digest';
UPDATE outbox SET guild_id = (SELECT s.guild_id FROM subscriptions s WHERE s.channel_id = outbox.channel_id LIMIT 1)
WHERE guild_id IS NULL AND kind != 'follow_dm';

CREATE TABLE rate_budget (
    name TEXT COLLATE "C" PRIMARY KEY,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    granted BIGINT NOT NULL
);

CREATE TABLE catalog_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalog_version(id, version) VALUES (1, 0);

-- One bump per transaction that changed rows (SQLite's triggers are per row): a bulk import bumps
-- once, an upsert that changed nothing (a sync's known claims) not at all.
-- Once a transaction at most: asyncpg's executemany runs a statement per row, and thousands of
-- updates of the one counter row in one transaction leave a chain of dead versions each later
-- update walks (an import slowed to minutes). The mark is transaction-local, so a savepoint
-- rolled back undoes it with the bump.
CREATE FUNCTION rr_bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('rr.catalog_bumped', true) IS DISTINCT FROM txid_current()::text
       AND EXISTS (SELECT 1 FROM rr_changed) THEN
        UPDATE catalog_version SET version = version + 1 WHERE id = 1;
        PERFORM set_config('rr.catalog_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER catalog_version_organisations_insert AFTER INSERT ON organisations
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_organisations_update AFTER UPDATE ON organisations
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_organisations_delete AFTER DELETE ON organisations
    REFERENCING OLD TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_organisation_aliases_insert AFTER INSERT ON organisation_aliases
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_organisation_aliases_update AFTER UPDATE ON organisation_aliases
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_organisation_aliases_delete AFTER DELETE ON organisation_aliases
    REFERENCING OLD TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_models_insert AFTER INSERT ON models
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_models_update AFTER UPDATE ON models
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_models_delete AFTER DELETE ON models
    REFERENCING OLD TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_aliases_insert AFTER INSERT ON model_aliases
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_aliases_update AFTER UPDATE ON model_aliases
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_aliases_delete AFTER DELETE ON model_aliases
    REFERENCING OLD TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_claims_insert AFTER INSERT ON model_claims
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_claims_update AFTER UPDATE ON model_claims
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_model_claims_delete AFTER DELETE ON model_claims
    REFERENCING OLD TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_benchmarks_insert AFTER INSERT ON benchmarks
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_benchmarks_update AFTER UPDATE ON benchmarks
    REFERENCING NEW TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
CREATE TRIGGER catalog_version_benchmarks_delete AFTER DELETE ON benchmarks
    REFERENCING OLD TABLE AS rr_changed
    FOR EACH STATEMENT EXECUTE FUNCTION rr_bump_catalog_version();
