-- A record refused again (the same day fetched twice) is the same problem, not a new one: one
-- unresolved row per source, endpoint, payload and error, counting how often it was seen.
ALTER TABLE ra_migrate.quarantine
    ADD COLUMN times_seen integer NOT NULL DEFAULT 1,
    ADD COLUMN last_seen_at timestamptz;

UPDATE ra_migrate.quarantine SET last_seen_at = created_at;

-- Rows stored before this migration: fold repeats into their first row.
UPDATE ra_migrate.quarantine q
   SET times_seen = d.n, last_seen_at = d.last
  FROM (SELECT min(id) AS keep, count(*) AS n, max(created_at) AS last
          FROM ra_migrate.quarantine
         WHERE resolved_at IS NULL
         GROUP BY source, endpoint, md5(payload), md5(error)
        HAVING count(*) > 1) d
 WHERE q.id = d.keep;

DELETE FROM ra_migrate.quarantine q
 USING ra_migrate.quarantine k
 WHERE q.resolved_at IS NULL AND k.resolved_at IS NULL
   AND q.source = k.source AND q.endpoint = k.endpoint
   AND md5(q.payload) = md5(k.payload) AND md5(q.error) = md5(k.error)
   AND k.id < q.id;

ALTER TABLE ra_migrate.quarantine ALTER COLUMN last_seen_at SET NOT NULL,
    ALTER COLUMN last_seen_at SET DEFAULT now();

-- md5 keeps the index small whatever the payload's size (a btree entry must fit in a page).
CREATE UNIQUE INDEX quarantine_unresolved_once
    ON ra_migrate.quarantine (source, endpoint, md5(payload), md5(error))
    WHERE resolved_at IS NULL;
