-- A score's evaluation setting is part of what it measures (AIME 2024 cons@64 is not pass@1):
-- `setting` as the source states it ('0-shot, pass@1'), `setting_key` what compares like with
-- like ('' for the standard setting). Two claims of one source differ when their settings do,
-- so the uniqueness includes the setting; SQLite can only change that by rebuilding the table.
CREATE TABLE scores_new (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    benchmark_id  INTEGER NOT NULL REFERENCES benchmarks(id) ON DELETE CASCADE,
    value         REAL NOT NULL,
    setting       TEXT NOT NULL DEFAULT '',
    setting_key   TEXT NOT NULL DEFAULT '',
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    url           TEXT,
    as_of         TEXT,
    self_reported INTEGER NOT NULL DEFAULT 0,
    note          TEXT,
    UNIQUE (model_id, benchmark_id, setting_key, value, source_id)
);
INSERT INTO scores_new(id, model_id, benchmark_id, value, source_id, url, as_of, self_reported, note)
    SELECT id, model_id, benchmark_id, value, source_id, url, as_of, self_reported, note FROM scores;
DROP TABLE scores;
ALTER TABLE scores_new RENAME TO scores;
-- A leaderboard reads one benchmark and setting best first (stopping at its LIMIT), and counts
-- the models it holds from the second index alone.
CREATE INDEX scores_board ON scores(benchmark_id, setting_key, value);
CREATE INDEX scores_board_models ON scores(benchmark_id, setting_key, model_id);
CREATE INDEX scores_model ON scores(model_id);
