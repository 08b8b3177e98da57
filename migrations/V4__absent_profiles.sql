-- Horses whose /horses/{id}/pro answered 404: `fetch entities` does not ask again for them until
-- the recheck interval has passed (at 2 requests/s, thousands of absent profiles would otherwise
-- cost every run the better part of an hour).
CREATE TABLE ra_migrate.absent_profile (
    horse_id text PRIMARY KEY,
    first_checked_at timestamptz NOT NULL DEFAULT now(),
    last_checked_at timestamptz NOT NULL DEFAULT now(),
    times_checked integer NOT NULL DEFAULT 1
);
