-- Every row `ra-migrate orphans --fix` added or changed, with what it replaced, so that
-- `ra-migrate orphans --undo` can restore the data exactly.
CREATE TABLE ra_migrate.orphan_fix (
    id bigserial PRIMARY KEY,
    -- 'placeholder': a minimal master row added for a missing key; 'null': a dangling reference set to NULL
    fix text NOT NULL CHECK (fix IN ('placeholder', 'null')),
    -- e.g. 'ra_horse_pedigree.sire_id -> ra_sires'
    relationship text NOT NULL,
    -- the table the fix changed: the master (placeholder) or the fact table (null)
    table_name text NOT NULL,
    -- the primary key of the changed row, as text parts
    key_parts text[] NOT NULL,
    -- the column set to NULL (null fix)
    column_name text,
    -- null fix: the column's original value; placeholder: the row as inserted (undo removes it only
    -- if it is still exactly that, so a row a fetcher has since filled in is kept)
    original text,
    log_id bigint,
    fixed_at timestamptz NOT NULL DEFAULT now(),
    undone_at timestamptz
);
