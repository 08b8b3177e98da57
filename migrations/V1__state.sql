-- The tool's own state. Lives in schema ra_migrate, apart from the data it migrates.

-- One row per phase that has ever been applied: where the migration stands.
CREATE TABLE ra_migrate.phase_state (
    phase smallint PRIMARY KEY CHECK (phase BETWEEN 1 AND 5),
    name text NOT NULL,
    status text NOT NULL CHECK (status IN ('applying', 'applied', 'rolling_back', 'rolled_back', 'failed')),
    verified boolean NOT NULL DEFAULT false,
    applied_at timestamptz,
    verified_at timestamptz,
    rolled_back_at timestamptz,
    forced boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- What the phase created (so rollback removes exactly that) and, for resumable phases, where it stopped.
    detail jsonb NOT NULL DEFAULT '{}'
);

-- Every apply, rollback, verify and purge: who, when, the exact SQL run, outcome, error.
CREATE TABLE ra_migrate.operation_log (
    id bigserial PRIMARY KEY,
    phase smallint,
    action text NOT NULL,
    operator text NOT NULL,
    db_user text NOT NULL DEFAULT current_user,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome text NOT NULL DEFAULT 'running'
        CHECK (outcome IN ('running', 'ok', 'failed', 'verify_failed')),
    forced boolean NOT NULL DEFAULT false,
    statements jsonb NOT NULL DEFAULT '[]',
    error text,
    options jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX operation_log_phase_idx ON ra_migrate.operation_log (phase, started_at);

-- Backfill progress per table (phase 3): resume from last_key after a crash.
CREATE TABLE ra_migrate.backfill_checkpoint (
    table_name text PRIMARY KEY,
    last_key text,
    rows_copied bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every validation run, with its verdict; phase 4's gate reads the newest.
CREATE TABLE ra_migrate.validation_run (
    id bigserial PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    phase smallint,
    passed boolean,
    summary jsonb NOT NULL DEFAULT '{}',
    report_path text
);

-- Records the fetchers could not use, kept whole so nothing is lost.
CREATE TABLE ra_migrate.quarantine (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL,
    endpoint text NOT NULL,
    request text,
    payload text NOT NULL,
    error text NOT NULL,
    resolved_at timestamptz
);

-- Fingerprints of the protected tables taken at init; validate proves they never changed.
CREATE TABLE ra_migrate.protected_fingerprint (
    table_name text PRIMARY KEY,
    row_count bigint NOT NULL,
    fingerprint text NOT NULL,
    taken_at timestamptz NOT NULL DEFAULT now()
);
