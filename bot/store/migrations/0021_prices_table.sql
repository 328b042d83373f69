-- Prices as a first-class catalog fact: one row per period of one provider's price for a model
-- (US dollars per 1M tokens), from one source. Per (model, provider, region, source) at most one
-- period is open (ends IS NULL); a later price closes it. `as_of` is the date of the snapshot
-- the row was read from: an older snapshot imported later never overwrites a newer one.

CREATE TABLE prices (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    input_per_m REAL,
    output_per_m REAL,
    cached_input_per_m REAL,
    currency TEXT NOT NULL DEFAULT 'USD',
    starts TEXT,          -- ISO date the price took effect ('' never: NULL when unknown)
    ends TEXT,            -- the day a later price took over; NULL while it is current
    source_id INTEGER NOT NULL REFERENCES sources(id),
    url TEXT,
    as_of TEXT
);
CREATE INDEX prices_model ON prices(model_id, provider, region, source_id, starts);
