-- IF NOT EXISTS: re-running it over tables it already made (a state schema whose history was rewound) changes nothing.
-- `ra-migrate worker`: every slot of the schedule (job, scheduled instant) it ran, once. A slot is
-- claimed under an advisory lock keyed on (job, slot), so two workers never run the same one; a
-- failed slot stays 'failed' (with its error and the time of its next try) until a run succeeds.
CREATE TABLE IF NOT EXISTS ra_migrate.worker_slot (
    job text NOT NULL,
    slot timestamptz NOT NULL,
    -- 'running' (a worker holds it, or one died holding it), 'succeeded', 'failed', 'interrupted'
    status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    attempts integer NOT NULL DEFAULT 1,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    -- what the job did: dates, races, runners, profiles, rows written per table, checked keys
    counts jsonb NOT NULL DEFAULT '{}',
    requests bigint NOT NULL DEFAULT 0,
    quarantined bigint NOT NULL DEFAULT 0,
    error text,
    next_attempt_at timestamptz,
    -- host:pid of the worker that ran it last
    worker text NOT NULL,
    PRIMARY KEY (job, slot)
);
CREATE INDEX IF NOT EXISTS worker_slot_status ON ra_migrate.worker_slot (status) WHERE status <> 'succeeded';

-- One row per worker process: what `status` shows, and how it tells a dead worker from a live one.
CREATE TABLE IF NOT EXISTS ra_migrate.worker_heartbeat (
    worker text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_beat timestamptz NOT NULL DEFAULT now(),
    -- 'job@slot' while one runs
    running_job text,
    next_jobs jsonb NOT NULL DEFAULT '[]',
    -- set when the worker exits cleanly (--once, SIGTERM): no beat since then is not a death
    stopped_at timestamptz
);

-- The consistency checks run while both layouts are written (phases 2 to 5): which rows changed
-- in either layout since the previous check, and whether old and new masters agreed on them.
CREATE TABLE IF NOT EXISTS ra_migrate.consistency_check (
    id bigserial PRIMARY KEY,
    checked_at timestamptz NOT NULL DEFAULT now(),
    phase smallint NOT NULL,
    -- per table: {"ra_horses": 12, ...} keys compared
    compared jsonb NOT NULL DEFAULT '{}',
    -- [{"table": .., "key": .., "problem": ..}], empty when clean
    differences jsonb NOT NULL DEFAULT '[]',
    clean boolean NOT NULL,
    -- pg_current_xact_id() when the check ran: the next check compares rows written after it
    xid bigint NOT NULL
);
