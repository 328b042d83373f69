-- The catalog: every fact is a claim that keeps its source; several claims per fact may coexist.

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,          -- stable handle: 'epoch', 'llmstats', 'seed-000', ...
    name        TEXT NOT NULL,                 -- article title or dataset name
    kind        TEXT NOT NULL CHECK (kind IN ('article', 'dataset', 'curator', 'vendor', 'feed')),
    outlet      TEXT,
    url         TEXT,
    published   TEXT,                          -- ISO date, possibly partial (YYYY or YYYY-MM)
    license     TEXT,
    credit      TEXT                           -- text that must be shown with the source's facts
);

CREATE TABLE organisations (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    norm    TEXT NOT NULL UNIQUE,
    country TEXT
);

CREATE TABLE organisation_aliases (
    norm    TEXT PRIMARY KEY,
    alias   TEXT NOT NULL,
    org_id  INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE
);

CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    norm        TEXT NOT NULL UNIQUE,
    org_id      INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
    family      TEXT,
    family_norm TEXT
);
CREATE INDEX models_org ON models(org_id);
CREATE INDEX models_family ON models(family_norm);

CREATE TABLE model_aliases (
    norm     TEXT PRIMARY KEY,
    alias    TEXT NOT NULL,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE
);
CREATE INDEX model_aliases_model ON model_aliases(model_id);

-- Scalar facts about a model: release_date, status, params, active_params, context_window,
-- output_context, modality, architecture, note.
CREATE TABLE model_claims (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    field         TEXT NOT NULL,
    value         TEXT NOT NULL,
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    url           TEXT,
    as_of         TEXT,
    self_reported INTEGER NOT NULL DEFAULT 0,
    note          TEXT,
    UNIQUE (model_id, field, value, source_id)
);
CREATE INDEX model_claims_field ON model_claims(field, value);

CREATE TABLE licenses (
    id         TEXT PRIMARY KEY,               -- SPDX id where one exists, else a slug
    name       TEXT NOT NULL,
    norm       TEXT NOT NULL UNIQUE,
    spdx       INTEGER NOT NULL DEFAULT 0,      -- 1 when id is an SPDX identifier
    openness   TEXT NOT NULL,
    commercial INTEGER,                         -- 1 allowed, 0 not allowed, NULL unknown
    url        TEXT
);

CREATE TABLE license_aliases (
    norm       TEXT PRIMARY KEY,
    license_id TEXT NOT NULL REFERENCES licenses(id) ON DELETE CASCADE
);

CREATE TABLE license_claims (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    license_id    TEXT REFERENCES licenses(id),
    openness      TEXT NOT NULL,
    commercial    INTEGER,
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    url           TEXT,
    as_of         TEXT,
    self_reported INTEGER NOT NULL DEFAULT 0,
    note          TEXT
);
CREATE UNIQUE INDEX license_claims_unique
    ON license_claims(model_id, COALESCE(license_id, ''), openness, source_id);
CREATE INDEX license_claims_license ON license_claims(license_id);
CREATE INDEX license_claims_openness ON license_claims(openness);

CREATE TABLE benchmarks (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    norm             TEXT NOT NULL UNIQUE,
    unit             TEXT NOT NULL,
    higher_is_better INTEGER NOT NULL DEFAULT 1,
    description      TEXT
);

CREATE TABLE benchmark_aliases (
    norm         TEXT PRIMARY KEY,
    benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id) ON DELETE CASCADE
);

CREATE TABLE scores (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    benchmark_id  INTEGER NOT NULL REFERENCES benchmarks(id) ON DELETE CASCADE,
    value         REAL NOT NULL,
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    url           TEXT,
    as_of         TEXT,
    self_reported INTEGER NOT NULL DEFAULT 0,
    note          TEXT,
    UNIQUE (model_id, benchmark_id, value, source_id)
);
CREATE INDEX scores_benchmark ON scores(benchmark_id, value);
CREATE INDEX scores_model ON scores(model_id);

CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    date      TEXT,
    title     TEXT NOT NULL,
    detail    TEXT,
    model_id  INTEGER REFERENCES models(id) ON DELETE SET NULL,
    org_id    INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    url       TEXT,
    UNIQUE (kind, title, source_id)
);
CREATE INDEX events_model ON events(model_id);
CREATE INDEX events_date ON events(date);
