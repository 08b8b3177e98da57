-- IF NOT EXISTS / OR REPLACE: re-running it over what it already made changes nothing.
-- The snapshot of the transaction that recorded a phase as applied, taken after the phase's steps
-- (with the locks they hold): a row whose writer is not visible in it was written after the phase
-- took effect. For phase 2 that is where dual-write began, so the first consistency check compares
-- every row changed since (a row changed behind the tool's back before any check ran is otherwise
-- never looked at), and no row written before (which only the backfill copies).
ALTER TABLE ra_migrate.phase_state ADD COLUMN IF NOT EXISTS applied_snapshot text;

-- Set by a trigger, beside applied_at, so every way a phase becomes applied records it; a row put
-- back as it was (a restored record) keeps the snapshot it had.
CREATE OR REPLACE FUNCTION ra_migrate.phase_state_applied_snapshot() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'applied'
       AND ((TG_OP = 'INSERT' AND NEW.applied_snapshot IS NULL)
            OR (TG_OP = 'UPDATE' AND OLD.status <> 'applied')) THEN
        NEW.applied_snapshot := pg_current_snapshot()::text;
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS phase_state_applied_snapshot ON ra_migrate.phase_state;
CREATE TRIGGER phase_state_applied_snapshot BEFORE INSERT OR UPDATE ON ra_migrate.phase_state
    FOR EACH ROW EXECUTE FUNCTION ra_migrate.phase_state_applied_snapshot();
