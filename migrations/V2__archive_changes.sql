-- Keys of new-master rows inserted, updated or deleted after phase 5 archived the old tables:
-- what a rollback of phase 5 must carry back into the old tables. The key is kept as the text of
-- each key column, so the rollback joins on the key columns (index-driven) instead of scanning.
CREATE TABLE ra_migrate.archive_changes (
    table_name text NOT NULL,
    key_parts text[] NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, key_parts)
);
