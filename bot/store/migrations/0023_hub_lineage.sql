-- Lineage: a model made from a base model (fine-tune, adapter, merge, quantization, ...), as a
-- source states it. The base is kept by name as the source wrote it; base_id is the catalog's
-- model when the name resolved to one at import (reads resolve the rest by name).

CREATE TABLE model_lineage (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    base_name     TEXT NOT NULL,
    base_norm     TEXT NOT NULL,
    base_id       INTEGER REFERENCES models(id) ON DELETE SET NULL,
    relation      TEXT NOT NULL CHECK (relation IN
                      ('finetune', 'adapter', 'merge', 'quantized', 'distilled', 'continued')),
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    url           TEXT,
    as_of         TEXT,
    self_reported INTEGER NOT NULL DEFAULT 0,
    note          TEXT,
    qualifier     TEXT,
    UNIQUE (model_id, base_norm, relation, source_id)
);
CREATE INDEX model_lineage_base ON model_lineage(base_id);
