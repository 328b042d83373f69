-- PLACEHOLDER (branch pgcore): the real PostgreSQL baseline (the cumulative schema of SQLite
-- 0001-0025, with its compat functions) comes from the pgschema branch and replaces this
-- file on merge. Until then a PostgreSQL store refuses to start rather than run without a schema.
DO $$ BEGIN
  RAISE EXCEPTION 'the PostgreSQL baseline schema is a placeholder (branch pgcore): merge pgschema''s 0025_baseline.sql';
END $$;
