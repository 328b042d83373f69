-- PostgreSQL baseline: the schema SQLite migrations 0001-0025 leave, for PostgreSQL 15.
-- No PostgreSQL store exists at an older version, so this one file stands for them all (the
-- runner records versions 1..25 under their SQLite names). Names, NOT NULL, DEFAULTs, UNIQUE,
-- CHECK and foreign keys are SQLite's; types map INTEGER -> BIGINT, REAL -> DOUBLE PRECISION.
-- Booleans stay 0/1 integers and timestamps ISO text, as on SQLite.
--
-- Ids: SQLite's INTEGER PRIMARY KEY hands out max(id) + 1 (ids freed at the top are reused, and
-- undo relies on it); here the default rr_next_id(table, column) does the same. AUTOINCREMENT
-- (never reused) becomes an identity column. Tables the store addresses by `rowid` get a
-- `rowid` column, last: generated from `id` where SQLite's rowid IS the integer key, else an
-- explicit max + 1 column, so `WHERE rowid = ?` and `ORDER BY a.rowid` read the same on both.

-- Compat functions: what the stores' SQLite-style SQL calls and PostgreSQL lacks. ------------

-- max(column) + 1 of `tbl` (1 when empty), as SQLite's INTEGER PRIMARY KEY. The transaction
-- holds an advisory lock per table until it ends, so two writers (two processes) never take the
-- same id; each call reads with a fresh snapshot, so rows inserted earlier by the same
-- statement count (INSERT ... SELECT of many rows gets consecutive ids).
CREATE FUNCTION rr_next_id(tbl text, col text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    found_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('rr_next_id:' || tbl || '.' || col, 0));
    EXECUTE format('SELECT COALESCE(MAX(%I), 0) + 1 FROM %I', col, tbl) INTO found_id;
    RETURN found_id;
END $$;

-- group_concat(x [, sep]): SQLite's; NULL values are skipped, NULL when there are none, ','
-- when no separator is given. Overloads for text and bigint (ids); other types cast to text.
CREATE FUNCTION rr_group_concat_step(acc text, value text, sep text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL THEN acc WHEN acc IS NULL THEN value
                ELSE acc || COALESCE(sep, '') || value END
$$;
CREATE FUNCTION rr_group_concat_step(acc text, value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT rr_group_concat_step(acc, value, ',') $$;
CREATE FUNCTION rr_group_concat_step(acc text, value bigint, sep text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT rr_group_concat_step(acc, value::text, sep) $$;
CREATE FUNCTION rr_group_concat_step(acc text, value bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT rr_group_concat_step(acc, value::text, ',') $$;
CREATE AGGREGATE group_concat(text) (SFUNC = rr_group_concat_step, STYPE = text);
CREATE AGGREGATE group_concat(text, text) (SFUNC = rr_group_concat_step, STYPE = text);
CREATE AGGREGATE group_concat(bigint) (SFUNC = rr_group_concat_step, STYPE = text);
CREATE AGGREGATE group_concat(bigint, text) (SFUNC = rr_group_concat_step, STYPE = text);

-- json_group_array(x): SQLite's JSON text, compact ('[1,2,"a"]', no spaces), NULLs as null,
-- '[]' for no rows.
CREATE FUNCTION rr_json_group_array_step(acc text, value anyelement) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT acc || CASE WHEN acc = '' THEN '' ELSE ',' END
               || COALESCE(to_json(value)::text, 'null')
$$;
CREATE FUNCTION rr_json_group_array_final(acc text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '[' || acc || ']' $$;
CREATE AGGREGATE json_group_array(anyelement) (
    SFUNC = rr_json_group_array_step, STYPE = text, INITCOND = '',
    FINALFUNC = rr_json_group_array_final
);

-- json_each(text): SQLite's table-valued function over a JSON array or object, as (key, value)
-- text: an array's keys are its indexes from 0; a string's value is unquoted. A scalar document
-- is one row with a NULL key; NULL is no rows.
CREATE FUNCTION json_each(doc text) RETURNS TABLE (key text, value text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT (a.o - 1)::text, a.v
        FROM json_array_elements_text(
            CASE WHEN json_typeof(doc::json) = 'array' THEN doc::json END
        ) WITH ORDINALITY AS a(v, o)
    UNION ALL
    SELECT e.k, e.v
        FROM json_each_text(CASE WHEN json_typeof(doc::json) = 'object' THEN doc::json END)
        AS e(k, v)
    UNION ALL
    SELECT NULL, doc::json #>> '{}'
        WHERE json_typeof(doc::json) NOT IN ('array', 'object')
$$;

-- Word search folding: FTS5's unicode61 tokenizer with remove_diacritics 2 splits on anything
-- but letters and digits and drops accents. unaccent is a trusted extension (the store's user
-- needs CREATE on the database, or an administrator creates it first, in schema public).
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

-- The text the search index holds for `body`: accents removed, punctuation (ASCII and the common
-- Unicode ranges) turned into spaces so 'GPT-4o' indexes 'gpt' and '4o' as FTS5 does. Immutable
-- (unaccent itself is only stable) so a generated column can use it.
CREATE FUNCTION rr_search_text(body text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(
        public.unaccent('public.unaccent'::regdictionary, body),
        '[[:punct:]\u00a0\u00a1\u00ab\u00b7\u00bb\u00bf\u2000-\u206f\u3000-\u303f]+', ' ', 'g'
    )
$$;

-- Tables. --------------------------------------------------------------------------------
-- Text columns compare and sort by code point (COLLATE "C"), as SQLite's BINARY collation does,
-- whatever the database's locale: ORDER BY name reads the same on both backends.

CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    applied_at TEXT COLLATE "C" NOT NULL
        DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
);

CREATE TABLE sources (
    id        BIGINT PRIMARY KEY DEFAULT rr_next_id('sources', 'id'),
    key       TEXT COLLATE "C" NOT NULL UNIQUE,
    name      TEXT COLLATE "C" NOT NULL,
    kind      TEXT COLLATE "C" NOT NULL CHECK (kind IN ('article', 'dataset', 'curator', 'vendor', 'feed')),
    outlet    TEXT COLLATE "C",
    url       TEXT COLLATE "C",
    published TEXT COLLATE "C",
    license   TEXT COLLATE "C",
    credit    TEXT COLLATE "C",
    rowid     BIGINT GENERATED ALWAYS AS (id) STORED
);

CREATE TABLE organisations (
    id      BIGINT PRIMARY KEY DEFAULT rr_next_id('organisations', 'id'),
    name    TEXT COLLATE "C" NOT NULL,
    norm    TEXT COLLATE "C" NOT NULL UNIQUE,
    country TEXT COLLATE "C",
    rowid   BIGINT GENERATED ALWAYS AS (id) STORED
);

CREATE TABLE organisation_aliases (
    norm   TEXT COLLATE "C" PRIMARY KEY,
    alias  TEXT COLLATE "C" NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    rowid  BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('organisation_aliases', 'rowid')
);

CREATE TABLE models (
    id          BIGINT PRIMARY KEY DEFAULT rr_next_id('models', 'id'),
    name        TEXT COLLATE "C" NOT NULL,
    norm        TEXT COLLATE "C" NOT NULL UNIQUE,
    org_id      BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    family      TEXT COLLATE "C",
    family_norm TEXT COLLATE "C",
    parent_id   BIGINT REFERENCES models(id) ON DELETE SET NULL,
    snapshot    TEXT COLLATE "C",
    rowid       BIGINT GENERATED ALWAYS AS (id) STORED
);

CREATE TABLE model_aliases (
    norm     TEXT COLLATE "C" PRIMARY KEY,
    alias    TEXT COLLATE "C" NOT NULL,
    model_id BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    rowid    BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('model_aliases', 'rowid')
);

CREATE TABLE model_claims (
    id            BIGINT PRIMARY KEY DEFAULT rr_next_id('model_claims', 'id'),
    model_id      BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    field         TEXT COLLATE "C" NOT NULL,
    value         TEXT COLLATE "C" NOT NULL,
    source_id     BIGINT NOT NULL REFERENCES sources(id),
    url           TEXT COLLATE "C",
    as_of         TEXT COLLATE "C",
    self_reported BIGINT NOT NULL DEFAULT 0,
    note          TEXT COLLATE "C",
    qualifier     TEXT COLLATE "C",
    rowid         BIGINT GENERATED ALWAYS AS (id) STORED,
    UNIQUE (model_id, field, value, source_id)
);

CREATE TABLE licenses (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    norm       TEXT COLLATE "C" NOT NULL UNIQUE,
    spdx       BIGINT NOT NULL DEFAULT 0,
    openness   TEXT COLLATE "C" NOT NULL,
    commercial BIGINT,
    url        TEXT COLLATE "C",
    rowid      BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('licenses', 'rowid')
);

CREATE TABLE license_aliases (
    norm       TEXT COLLATE "C" PRIMARY KEY,
    license_id TEXT COLLATE "C" NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,
    rowid      BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('license_aliases', 'rowid')
);

CREATE TABLE license_claims (
    id            BIGINT PRIMARY KEY DEFAULT rr_next_id('license_claims', 'id'),
    model_id      BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    license_id    TEXT COLLATE "C" REFERENCES licenses(id),
    openness      TEXT COLLATE "C" NOT NULL,
    commercial    BIGINT,
    source_id     BIGINT NOT NULL REFERENCES sources(id),
    url           TEXT COLLATE "C",
    as_of         TEXT COLLATE "C",
    self_reported BIGINT NOT NULL DEFAULT 0,
    note          TEXT COLLATE "C",
    qualifier     TEXT COLLATE "C",
    rowid         BIGINT GENERATED ALWAYS AS (id) STORED
);

CREATE TABLE benchmarks (
    id               BIGINT PRIMARY KEY DEFAULT rr_next_id('benchmarks', 'id'),
    name             TEXT COLLATE "C" NOT NULL,
    norm             TEXT COLLATE "C" NOT NULL UNIQUE,
    unit             TEXT COLLATE "C" NOT NULL,
    higher_is_better BIGINT NOT NULL DEFAULT 1,
    description      TEXT COLLATE "C",
    rowid            BIGINT GENERATED ALWAYS AS (id) STORED
);

CREATE TABLE benchmark_aliases (
    norm         TEXT COLLATE "C" PRIMARY KEY,
    benchmark_id BIGINT NOT NULL REFERENCES benchmarks(id) ON DELETE CASCADE,
    rowid        BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('benchmark_aliases', 'rowid')
);

CREATE TABLE events (
    id        BIGINT PRIMARY KEY DEFAULT rr_next_id('events', 'id'),
    kind      TEXT COLLATE "C" NOT NULL,
    date      TEXT COLLATE "C",
    title     TEXT COLLATE "C" NOT NULL,
    detail    TEXT COLLATE "C",
    model_id  BIGINT REFERENCES models(id) ON DELETE SET NULL,
    org_id    BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    source_id BIGINT NOT NULL REFERENCES sources(id),
    url       TEXT COLLATE "C",
    rowid     BIGINT GENERATED ALWAYS AS (id) STORED,
    UNIQUE (kind, title, source_id)
);

CREATE TABLE feed_sources (
    id                   BIGINT PRIMARY KEY DEFAULT rr_next_id('feed_sources', 'id'),
    key                  TEXT COLLATE "C" NOT NULL UNIQUE,
    name                 TEXT COLLATE "C" NOT NULL,
    url                  TEXT COLLATE "C" NOT NULL,
    kind                 TEXT COLLATE "C" NOT NULL,
    org                  TEXT COLLATE "C",
    poll_minutes         BIGINT NOT NULL DEFAULT 30,
    added_by             TEXT COLLATE "C",
    etag                 TEXT COLLATE "C",
    last_modified        TEXT COLLATE "C",
    last_attempt         TEXT COLLATE "C",
    last_success         TEXT COLLATE "C",
    next_poll            TEXT COLLATE "C",
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    last_error           TEXT COLLATE "C",
    paused               BIGINT NOT NULL DEFAULT 0,
    pause_notified       BIGINT NOT NULL DEFAULT 0,
    entries_seen         BIGINT NOT NULL DEFAULT 0,
    reguids_since        TEXT COLLATE "C",
    reguid_sightings     BIGINT NOT NULL DEFAULT 0,
    reguid_last          TEXT COLLATE "C",
    body_hash            TEXT COLLATE "C",
    last_parsed          TEXT COLLATE "C"
);

CREATE TABLE entries (
    id            BIGINT PRIMARY KEY DEFAULT rr_next_id('entries', 'id'),
    title         TEXT COLLATE "C" NOT NULL,
    link          TEXT COLLATE "C",
    summary       TEXT COLLATE "C",
    published     TEXT COLLATE "C",
    type          TEXT COLLATE "C" NOT NULL,
    org           TEXT COLLATE "C",
    first_seen    TEXT COLLATE "C" NOT NULL,
    backlog       BIGINT NOT NULL DEFAULT 0,
    title_key     TEXT COLLATE "C" NOT NULL DEFAULT '',
    title_numbers TEXT COLLATE "C" NOT NULL DEFAULT '',
    text_source   TEXT COLLATE "C",
    text_hash     TEXT COLLATE "C",
    updated_at    TEXT COLLATE "C",
    rowid         BIGINT GENERATED ALWAYS AS (id) STORED
);

CREATE TABLE entry_identities (
    identity TEXT COLLATE "C" PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    rowid    BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('entry_identities', 'rowid')
);

CREATE TABLE entry_sources (
    entry_id    BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    source_key  TEXT COLLATE "C" NOT NULL,
    source_name TEXT COLLATE "C" NOT NULL,
    link        TEXT COLLATE "C",
    seen_at     TEXT COLLATE "C" NOT NULL,
    rowid       BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('entry_sources', 'rowid'),
    PRIMARY KEY (entry_id, source_key)
);

CREATE TABLE entry_models (
    entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    model_id BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    rowid    BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('entry_models', 'rowid'),
    PRIMARY KEY (entry_id, model_id)
);

CREATE TABLE subscriptions (
    id                BIGINT PRIMARY KEY DEFAULT rr_next_id('subscriptions', 'id'),
    guild_id          TEXT COLLATE "C" NOT NULL,
    channel_id        TEXT COLLATE "C" NOT NULL,
    filters           TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    role_id           TEXT COLLATE "C",
    notify_channel_id TEXT COLLATE "C",
    created_by        TEXT COLLATE "C",
    created_at        TEXT COLLATE "C" NOT NULL,
    paused            BIGINT NOT NULL DEFAULT 0,
    pause_reason      TEXT COLLATE "C"
);

CREATE TABLE audit_log (
    id        BIGINT PRIMARY KEY DEFAULT rr_next_id('audit_log', 'id'),
    at        TEXT COLLATE "C" NOT NULL,
    user_id   TEXT COLLATE "C" NOT NULL,
    user_name TEXT COLLATE "C" NOT NULL,
    action    TEXT COLLATE "C" NOT NULL,
    target    TEXT COLLATE "C" NOT NULL,
    summary   TEXT COLLATE "C" NOT NULL,
    model_ids TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    effects   TEXT COLLATE "C" NOT NULL,
    undone_by BIGINT REFERENCES audit_log(id),
    undo_of   BIGINT REFERENCES audit_log(id),
    guild_id  TEXT COLLATE "C"
);

CREATE TABLE digest_schedules (
    id                BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    guild_id          TEXT COLLATE "C" NOT NULL,
    channel_id        TEXT COLLATE "C" NOT NULL UNIQUE,
    frequency         TEXT COLLATE "C" NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    weekday           BIGINT NOT NULL DEFAULT 0,
    at                TEXT COLLATE "C" NOT NULL,
    zone              TEXT COLLATE "C" NOT NULL,
    filters           TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    quiet             TEXT COLLATE "C" NOT NULL DEFAULT 'line' CHECK (quiet IN ('line', 'skip')),
    next_run          TEXT COLLATE "C" NOT NULL,
    last_period_end   TEXT COLLATE "C",
    created_by        TEXT COLLATE "C",
    created_at        TEXT COLLATE "C" NOT NULL,
    paused_reason     TEXT COLLATE "C",
    notify_channel_id TEXT COLLATE "C"
);

CREATE TABLE outbox (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    dedupe_key      TEXT COLLATE "C" NOT NULL UNIQUE,
    kind            TEXT COLLATE "C" NOT NULL,
    entry_id        BIGINT REFERENCES entries(id) ON DELETE CASCADE,
    subscription_id BIGINT REFERENCES subscriptions(id) ON DELETE SET NULL,
    channel_id      TEXT COLLATE "C" NOT NULL,
    payload         TEXT COLLATE "C",
    status          TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    created_at      TEXT COLLATE "C" NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    not_before      TEXT COLLATE "C",
    last_error      TEXT COLLATE "C",
    message_id      TEXT COLLATE "C",
    sent_at         TEXT COLLATE "C",
    attempted_at    TEXT COLLATE "C"
);

CREATE TABLE scores (
    id            BIGINT PRIMARY KEY DEFAULT rr_next_id('scores', 'id'),
    model_id      BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    benchmark_id  BIGINT NOT NULL REFERENCES benchmarks(id) ON DELETE CASCADE,
    value         DOUBLE PRECISION NOT NULL,
    setting       TEXT COLLATE "C" NOT NULL DEFAULT '',
    setting_key   TEXT COLLATE "C" NOT NULL DEFAULT '',
    source_id     BIGINT NOT NULL REFERENCES sources(id),
    url           TEXT COLLATE "C",
    as_of         TEXT COLLATE "C",
    self_reported BIGINT NOT NULL DEFAULT 0,
    note          TEXT COLLATE "C",
    qualifier     TEXT COLLATE "C",
    ci_low        DOUBLE PRECISION,
    ci_high       DOUBLE PRECISION,
    votes         BIGINT,
    rowid         BIGINT GENERATED ALWAYS AS (id) STORED,
    UNIQUE (model_id, benchmark_id, setting_key, value, source_id)
);

-- SQLite's FTS5 table (migration 0013): rowid = id * 8 + kind (0 model, 1 model alias,
-- 2 organisation, 3 organisation alias, 4 event), kept by the triggers below.
CREATE TABLE catalog_search (
    rowid BIGINT PRIMARY KEY,
    body  TEXT COLLATE "C",
    doc   tsvector GENERATED ALWAYS AS (to_tsvector('simple', rr_search_text(body))) STORED
);
CREATE INDEX catalog_search_doc ON catalog_search USING gin (doc);

CREATE TABLE store_upkeep (
    task TEXT COLLATE "C" PRIMARY KEY,
    at   TEXT COLLATE "C" NOT NULL
);

CREATE TABLE benchmark_models (
    benchmark_id BIGINT PRIMARY KEY REFERENCES benchmarks(id) ON DELETE CASCADE,
    models       BIGINT NOT NULL
);

CREATE TABLE follows (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    target_key  TEXT COLLATE "C" NOT NULL,
    target_name TEXT COLLATE "C" NOT NULL,
    what        TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    UNIQUE (user_id, kind, target_key)
);

CREATE TABLE follow_users (
    user_id      TEXT COLLATE "C" PRIMARY KEY,
    paused       BIGINT NOT NULL DEFAULT 0,
    pause_reason TEXT COLLATE "C",
    last_dm_at   TEXT COLLATE "C",
    batches      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE follow_changes (
    id        BIGINT PRIMARY KEY DEFAULT rr_next_id('follow_changes', 'id'),
    follow_id BIGINT NOT NULL REFERENCES follows(id) ON DELETE CASCADE,
    user_id   TEXT COLLATE "C" NOT NULL,
    origin    TEXT COLLATE "C" NOT NULL,
    what      TEXT COLLATE "C" NOT NULL,
    title     TEXT COLLATE "C" NOT NULL,
    link      TEXT COLLATE "C",
    at        TEXT COLLATE "C" NOT NULL,
    batch     BIGINT,
    UNIQUE (follow_id, origin)
);

CREATE TABLE follow_cursors (
    name    TEXT COLLATE "C" PRIMARY KEY,
    last_id BIGINT NOT NULL
);

CREATE TABLE sync_state (
    key            TEXT COLLATE "C" PRIMARY KEY,
    url            TEXT COLLATE "C",
    etag           TEXT COLLATE "C",
    last_modified  TEXT COLLATE "C",
    body_hash      TEXT COLLATE "C",
    size           BIGINT,
    as_of          TEXT COLLATE "C",
    models         BIGINT NOT NULL DEFAULT 0,
    last_attempt   TEXT COLLATE "C",
    last_success   TEXT COLLATE "C",
    next_sync      TEXT COLLATE "C",
    failures       BIGINT NOT NULL DEFAULT 0,
    last_error     TEXT COLLATE "C",
    paused         BIGINT NOT NULL DEFAULT 0,
    pause_notified BIGINT NOT NULL DEFAULT 0,
    facts          TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);

CREATE TABLE prices (
    id                 BIGINT PRIMARY KEY DEFAULT rr_next_id('prices', 'id'),
    model_id           BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    provider           TEXT COLLATE "C" NOT NULL,
    region             TEXT COLLATE "C" NOT NULL DEFAULT '',
    input_per_m        DOUBLE PRECISION,
    output_per_m       DOUBLE PRECISION,
    cached_input_per_m DOUBLE PRECISION,
    currency           TEXT COLLATE "C" NOT NULL DEFAULT 'USD',
    starts             TEXT COLLATE "C",
    ends               TEXT COLLATE "C",
    source_id          BIGINT NOT NULL REFERENCES sources(id),
    url                TEXT COLLATE "C",
    as_of              TEXT COLLATE "C"
);

CREATE TABLE post_targets (
    channel_id       TEXT COLLATE "C" NOT NULL,
    purpose          TEXT COLLATE "C" NOT NULL CHECK (purpose IN ('alert', 'digest')),
    guild_id         TEXT COLLATE "C" NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL CHECK (kind IN ('text', 'announcement', 'thread', 'forum')),
    publish          BIGINT NOT NULL DEFAULT 0,
    thread_per_alert BIGINT NOT NULL DEFAULT 0,
    tag_map          TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    updated_at       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (channel_id, purpose)
);

CREATE TABLE model_lineage (
    id            BIGINT PRIMARY KEY DEFAULT rr_next_id('model_lineage', 'id'),
    model_id      BIGINT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    base_name     TEXT COLLATE "C" NOT NULL,
    base_norm     TEXT COLLATE "C" NOT NULL,
    base_id       BIGINT REFERENCES models(id) ON DELETE SET NULL,
    relation      TEXT COLLATE "C" NOT NULL CHECK (relation IN
                      ('finetune', 'adapter', 'merge', 'quantized', 'distilled', 'continued')),
    source_id     BIGINT NOT NULL REFERENCES sources(id),
    url           TEXT COLLATE "C",
    as_of         TEXT COLLATE "C",
    self_reported BIGINT NOT NULL DEFAULT 0,
    note          TEXT COLLATE "C",
    qualifier     TEXT COLLATE "C",
    rowid         BIGINT GENERATED ALWAYS AS (id) STORED,
    UNIQUE (model_id, base_norm, relation, source_id)
);

CREATE TABLE entry_news (
    entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    model_id BIGINT REFERENCES models(id) ON DELETE SET NULL,
    line     TEXT COLLATE "C" NOT NULL,
    rowid    BIGINT NOT NULL UNIQUE DEFAULT rr_next_id('entry_news', 'rowid'),
    PRIMARY KEY (entry_id, line)
);

-- Indexes (SQLite's, same names). -----------------------------------------------------------

CREATE INDEX models_org ON models(org_id);
CREATE INDEX models_family ON models(family_norm);
CREATE INDEX model_aliases_model ON model_aliases(model_id);
CREATE INDEX model_claims_field ON model_claims(field, value);
CREATE UNIQUE INDEX license_claims_unique
    ON license_claims(model_id, COALESCE(license_id, ''), openness, source_id);
CREATE INDEX license_claims_license ON license_claims(license_id);
CREATE INDEX license_claims_openness ON license_claims(openness);
CREATE INDEX events_model ON events(model_id);
CREATE INDEX events_date ON events(date);
CREATE INDEX entries_published ON entries(published);
CREATE INDEX entries_first_seen ON entries(first_seen);
CREATE INDEX entries_when ON entries(COALESCE(published, first_seen));
CREATE INDEX entry_identities_entry ON entry_identities(entry_id);
CREATE INDEX entry_models_model ON entry_models(model_id);
CREATE INDEX subscriptions_guild ON subscriptions(guild_id);
CREATE INDEX subscriptions_channel ON subscriptions(channel_id);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX digest_schedules_due ON digest_schedules(next_run);
CREATE INDEX digest_schedules_guild ON digest_schedules(guild_id);
CREATE INDEX entry_sources_source ON entry_sources(source_key, seen_at);
CREATE INDEX audit_log_guild ON audit_log(guild_id, id);
CREATE INDEX outbox_pending ON outbox(status, id);
CREATE INDEX outbox_subscription ON outbox(subscription_id, status);
CREATE INDEX outbox_channel_order ON outbox(channel_id, status, id);
CREATE INDEX scores_board ON scores(benchmark_id, setting_key, value);
CREATE INDEX scores_board_models ON scores(benchmark_id, setting_key, model_id);
CREATE INDEX scores_model ON scores(model_id);
CREATE INDEX events_org ON events(org_id);
CREATE INDEX entries_title_block ON entries(title_numbers, COALESCE(published, first_seen));
CREATE INDEX outbox_entry ON outbox(entry_id);
CREATE INDEX entries_long_body ON entries(first_seen) WHERE length(summary) > 200;
CREATE INDEX models_parent ON models(parent_id);
CREATE INDEX benchmark_aliases_benchmark ON benchmark_aliases(benchmark_id);
CREATE INDEX model_claims_source ON model_claims(source_id);
CREATE INDEX license_claims_source ON license_claims(source_id);
CREATE INDEX scores_source ON scores(source_id);
CREATE INDEX events_source ON events(source_id);
CREATE INDEX models_family_name ON models(family_norm, name);
CREATE INDEX follows_target ON follows(kind, target_key);
CREATE INDEX follow_changes_user ON follow_changes(user_id, batch);
CREATE INDEX prices_model ON prices(model_id, provider, region, source_id, starts);
CREATE INDEX post_targets_guild ON post_targets(guild_id);
CREATE INDEX model_lineage_base ON model_lineage(base_id);

-- Search triggers (SQLite 0013). TG_ARGV: the kind (rowid's low 3 bits), the column whose value
-- times 8 makes the rest of the rowid, and the text's columns (joined by ' ', NULL as '', as
-- the event trigger's `title || ' ' || COALESCE(detail, '')`).
CREATE FUNCTION rr_catalog_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kind bigint := TG_ARGV[0]::bigint;
    key_column text := TG_ARGV[1];
    row_json jsonb;
    body text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM catalog_search
            WHERE rowid = (to_jsonb(OLD) ->> key_column)::bigint * 8 + kind;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        row_json := to_jsonb(NEW);
        body := row_json ->> TG_ARGV[2];
        IF TG_NARGS > 3 THEN
            body := body || ' ' || COALESCE(row_json ->> TG_ARGV[3], '');
        END IF;
        INSERT INTO catalog_search(rowid, body)
            VALUES ((row_json ->> key_column)::bigint * 8 + kind, body);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER catalog_search_model AFTER INSERT OR DELETE OR UPDATE OF name ON models
    FOR EACH ROW EXECUTE FUNCTION rr_catalog_search_sync('0', 'id', 'name');
CREATE TRIGGER catalog_search_model_alias
    AFTER INSERT OR DELETE OR UPDATE OF alias ON model_aliases
    FOR EACH ROW EXECUTE FUNCTION rr_catalog_search_sync('1', 'rowid', 'alias');
CREATE TRIGGER catalog_search_org AFTER INSERT OR DELETE OR UPDATE OF name ON organisations
    FOR EACH ROW EXECUTE FUNCTION rr_catalog_search_sync('2', 'id', 'name');
CREATE TRIGGER catalog_search_org_alias
    AFTER INSERT OR DELETE OR UPDATE OF alias ON organisation_aliases
    FOR EACH ROW EXECUTE FUNCTION rr_catalog_search_sync('3', 'rowid', 'alias');
CREATE TRIGGER catalog_search_event
    AFTER INSERT OR DELETE OR UPDATE OF title, detail ON events
    FOR EACH ROW EXECUTE FUNCTION rr_catalog_search_sync('4', 'id', 'title', 'detail');

-- benchmark_models counts (SQLite 0017): a score row counts when it is the first of its
-- (model, benchmark) pair and uncounts when it is the last. BEFORE row triggers, not AFTER as on
-- SQLite: PostgreSQL runs AFTER row triggers once the whole statement is done, when a
-- many-row INSERT or DELETE would see all its rows at once; a BEFORE trigger sees the rows the
-- statement processed before this one, as SQLite's per-row AFTER trigger does. (A row an
-- INSERT ... ON CONFLICT DO NOTHING then skips conflicts with the UNIQUE key, so its pair
-- already exists and it counts nothing.)
CREATE FUNCTION rr_scores_pair_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The row itself is still in the table (as OLD) when it is deleted or moved: other rows only.
    IF TG_OP IN ('DELETE', 'UPDATE')
       AND (TG_OP = 'DELETE' OR OLD.model_id <> NEW.model_id
            OR OLD.benchmark_id <> NEW.benchmark_id)
       AND NOT EXISTS (SELECT 1 FROM scores WHERE model_id = OLD.model_id
                       AND benchmark_id = OLD.benchmark_id AND id <> OLD.id) THEN
        UPDATE benchmark_models SET models = models - 1 WHERE benchmark_id = OLD.benchmark_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE')
       AND (TG_OP = 'INSERT' OR OLD.model_id <> NEW.model_id
            OR OLD.benchmark_id <> NEW.benchmark_id)
       AND NOT EXISTS (SELECT 1 FROM scores WHERE model_id = NEW.model_id
                       AND benchmark_id = NEW.benchmark_id
                       AND (TG_OP = 'INSERT' OR id <> OLD.id)) THEN
        INSERT INTO benchmark_models(benchmark_id, models) VALUES (NEW.benchmark_id, 1)
            ON CONFLICT (benchmark_id) DO UPDATE SET models = benchmark_models.models + 1;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER scores_pair_count BEFORE INSERT OR DELETE OR UPDATE OF model_id, benchmark_id
    ON scores FOR EACH ROW EXECUTE FUNCTION rr_scores_pair_count();
