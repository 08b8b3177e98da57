-- IF NOT EXISTS: re-running it over a table it already made changes nothing.
-- Horses whose profile came back without a date of birth or a colour (what /v1/horses/{id}/standard
-- answers for a plan without Pro, or a /pro profile with those fields blank): they still look
-- unenriched, so without this record every `fetch entities` and every worker slot would ask for
-- them again. They are skipped until the recheck interval has passed (the weekly pass asks again).
CREATE TABLE IF NOT EXISTS ra_migrate.partial_profile (
    horse_id text PRIMARY KEY,
    first_fetched_at timestamptz NOT NULL DEFAULT now(),
    last_fetched_at timestamptz NOT NULL DEFAULT now(),
    times_fetched integer NOT NULL DEFAULT 1
);
