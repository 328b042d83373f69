-- Reads at scale. How many models have a score on each benchmark (a benchmark's popularity,
-- shown with every score) was counted with COUNT(DISTINCT model_id) over the whole benchmark,
-- once per result row: seconds at 100k models. Triggers keep the count instead. A score row
-- counts when it is the first of its (model, benchmark) pair and uncounts when it is the last;
-- the UNIQUE (model_id, benchmark_id, ...) index answers those checks.

CREATE TABLE benchmark_models (
    benchmark_id INTEGER PRIMARY KEY REFERENCES benchmarks(id) ON DELETE CASCADE,
    models       INTEGER NOT NULL
);
INSERT INTO benchmark_models(benchmark_id, models)
    SELECT benchmark_id, COUNT(DISTINCT model_id) FROM scores GROUP BY benchmark_id;

CREATE TRIGGER scores_pair_added AFTER INSERT ON scores
WHEN NOT EXISTS (SELECT 1 FROM scores WHERE model_id = NEW.model_id
                 AND benchmark_id = NEW.benchmark_id AND id != NEW.id)
BEGIN
    INSERT INTO benchmark_models(benchmark_id, models) VALUES (NEW.benchmark_id, 1)
        ON CONFLICT(benchmark_id) DO UPDATE SET models = models + 1;
END;

CREATE TRIGGER scores_pair_removed AFTER DELETE ON scores
WHEN NOT EXISTS (SELECT 1 FROM scores WHERE model_id = OLD.model_id
                 AND benchmark_id = OLD.benchmark_id)
BEGIN
    UPDATE benchmark_models SET models = models - 1 WHERE benchmark_id = OLD.benchmark_id;
END;

CREATE TRIGGER scores_pair_moved_from AFTER UPDATE OF model_id, benchmark_id ON scores
WHEN (OLD.model_id != NEW.model_id OR OLD.benchmark_id != NEW.benchmark_id)
     AND NOT EXISTS (SELECT 1 FROM scores WHERE model_id = OLD.model_id
                     AND benchmark_id = OLD.benchmark_id)
BEGIN
    UPDATE benchmark_models SET models = models - 1 WHERE benchmark_id = OLD.benchmark_id;
END;

CREATE TRIGGER scores_pair_moved_to AFTER UPDATE OF model_id, benchmark_id ON scores
WHEN (OLD.model_id != NEW.model_id OR OLD.benchmark_id != NEW.benchmark_id)
     AND NOT EXISTS (SELECT 1 FROM scores WHERE model_id = NEW.model_id
                     AND benchmark_id = NEW.benchmark_id AND id != NEW.id)
BEGIN
    INSERT INTO benchmark_models(benchmark_id, models) VALUES (NEW.benchmark_id, 1)
        ON CONFLICT(benchmark_id) DO UPDATE SET models = models + 1;
END;

-- benchmark_entries() joins every benchmark's aliases: without this, a scan per benchmark.
CREATE INDEX benchmark_aliases_benchmark ON benchmark_aliases(benchmark_id);
-- /about's count of facts per source, and the per-source counts, without a scan per source.
CREATE INDEX model_claims_source ON model_claims(source_id);
CREATE INDEX license_claims_source ON license_claims(source_id);
CREATE INDEX scores_source ON scores(source_id);
CREATE INDEX events_source ON events(source_id);
-- /model lists the family's other models by name: read from the index, in order, no sort.
CREATE INDEX models_family_name ON models(family_norm, name);
