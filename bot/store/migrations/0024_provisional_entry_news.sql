-- What an entry brought the catalog, as its alert's first line says it ("new model", "new
-- snapshot of GPT-4o"): one row per record the entry's ingest added. The "new to catalog
-- only" subscription filter reads it too.
CREATE TABLE entry_news (
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
    line     TEXT NOT NULL,
    PRIMARY KEY (entry_id, line)
);
