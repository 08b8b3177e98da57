-- Keys of new-master rows inserted, updated or deleted after phase 5 archived the old tables:
-- what a rollback of phase 5 must carry back into the old tables.
CREATE TABLE ra_migrate.archive_changes (
    table_name text NOT NULL,
    key text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, key)
);
