-- Word search over models, organisations and events (title and detail), ranked by SQLite FTS5.
-- One row per searchable name or text; its rowid encodes what it names:
-- rowid = id * 8 + kind, kind 0 model, 1 model alias, 2 organisation, 3 organisation alias,
-- 4 event. Triggers keep it in step with every write, curator changes included.

CREATE VIRTUAL TABLE catalog_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO catalog_search(rowid, body) SELECT id * 8, name FROM models;
INSERT INTO catalog_search(rowid, body) SELECT rowid * 8 + 1, alias FROM model_aliases;
INSERT INTO catalog_search(rowid, body) SELECT id * 8 + 2, name FROM organisations;
INSERT INTO catalog_search(rowid, body) SELECT rowid * 8 + 3, alias FROM organisation_aliases;
INSERT INTO catalog_search(rowid, body)
    SELECT id * 8 + 4, title || ' ' || COALESCE(detail, '') FROM events;

CREATE TRIGGER catalog_search_model_ins AFTER INSERT ON models BEGIN
    INSERT INTO catalog_search(rowid, body) VALUES (new.id * 8, new.name);
END;
CREATE TRIGGER catalog_search_model_del AFTER DELETE ON models BEGIN
    DELETE FROM catalog_search WHERE rowid = old.id * 8;
END;
CREATE TRIGGER catalog_search_model_upd AFTER UPDATE OF name ON models BEGIN
    DELETE FROM catalog_search WHERE rowid = old.id * 8;
    INSERT INTO catalog_search(rowid, body) VALUES (new.id * 8, new.name);
END;

CREATE TRIGGER catalog_search_model_alias_ins AFTER INSERT ON model_aliases BEGIN
    INSERT INTO catalog_search(rowid, body) VALUES (new.rowid * 8 + 1, new.alias);
END;
CREATE TRIGGER catalog_search_model_alias_del AFTER DELETE ON model_aliases BEGIN
    DELETE FROM catalog_search WHERE rowid = old.rowid * 8 + 1;
END;
CREATE TRIGGER catalog_search_model_alias_upd AFTER UPDATE OF alias ON model_aliases BEGIN
    DELETE FROM catalog_search WHERE rowid = old.rowid * 8 + 1;
    INSERT INTO catalog_search(rowid, body) VALUES (new.rowid * 8 + 1, new.alias);
END;

CREATE TRIGGER catalog_search_org_ins AFTER INSERT ON organisations BEGIN
    INSERT INTO catalog_search(rowid, body) VALUES (new.id * 8 + 2, new.name);
END;
CREATE TRIGGER catalog_search_org_del AFTER DELETE ON organisations BEGIN
    DELETE FROM catalog_search WHERE rowid = old.id * 8 + 2;
END;
CREATE TRIGGER catalog_search_org_upd AFTER UPDATE OF name ON organisations BEGIN
    DELETE FROM catalog_search WHERE rowid = old.id * 8 + 2;
    INSERT INTO catalog_search(rowid, body) VALUES (new.id * 8 + 2, new.name);
END;

CREATE TRIGGER catalog_search_org_alias_ins AFTER INSERT ON organisation_aliases BEGIN
    INSERT INTO catalog_search(rowid, body) VALUES (new.rowid * 8 + 3, new.alias);
END;
CREATE TRIGGER catalog_search_org_alias_del AFTER DELETE ON organisation_aliases BEGIN
    DELETE FROM catalog_search WHERE rowid = old.rowid * 8 + 3;
END;
CREATE TRIGGER catalog_search_org_alias_upd AFTER UPDATE OF alias ON organisation_aliases BEGIN
    DELETE FROM catalog_search WHERE rowid = old.rowid * 8 + 3;
    INSERT INTO catalog_search(rowid, body) VALUES (new.rowid * 8 + 3, new.alias);
END;

CREATE TRIGGER catalog_search_event_ins AFTER INSERT ON events BEGIN
    INSERT INTO catalog_search(rowid, body)
        VALUES (new.id * 8 + 4, new.title || ' ' || COALESCE(new.detail, ''));
END;
CREATE TRIGGER catalog_search_event_del AFTER DELETE ON events BEGIN
    DELETE FROM catalog_search WHERE rowid = old.id * 8 + 4;
END;
CREATE TRIGGER catalog_search_event_upd AFTER UPDATE OF title, detail ON events BEGIN
    DELETE FROM catalog_search WHERE rowid = old.id * 8 + 4;
    INSERT INTO catalog_search(rowid, body)
        VALUES (new.id * 8 + 4, new.title || ' ' || COALESCE(new.detail, ''));
END;

CREATE INDEX events_org ON events(org_id);
