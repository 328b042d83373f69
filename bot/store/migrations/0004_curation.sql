-- The curators' audit log: who changed what, when, and the exact row effects, so a change can
-- be shown (before/after) and undone.

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action    TEXT NOT NULL,          -- model add, score add, import, undo ...
    target    TEXT NOT NULL,          -- what it is about, for people
    summary   TEXT NOT NULL,
    model_ids TEXT NOT NULL DEFAULT '[]',   -- JSON: models this change touched
    effects   TEXT NOT NULL,          -- JSON: inserted rowids, deleted rows, updated values
    undone_by INTEGER REFERENCES audit_log(id),
    undo_of   INTEGER REFERENCES audit_log(id)
);
CREATE INDEX audit_log_at ON audit_log(at);
