-- ra-migrate plan: apply phase 5 (archive)
-- 175 steps in 4 parts, each one transaction or, for a copy, one transaction per keyset batch (checkpointed); resumable: after a crash run the same command again.
-- Each try waits at most lock_timeout = 200ms for a lock; 10 retries on lock timeouts only.
-- Each try first asks for its up-front locks with NOWAIT, again every few ms for up to 1000ms, so writers never queue behind a waiting request; only then does it queue for them.
-- Writers of these tables wait while a step holds its lock: ra_bookmakers, ra_courses, ra_dams, ra_damsires, ra_horse_pedigree, ra_horses, ra_jockeys, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_owners, ra_race_results, ra_races, ra_runner_odds, ra_runners, ra_sires, ra_trainers.
--
-- Notes:
--   * writers that still target an old name fail loudly from now on (the table no longer exists under that name) instead of writing into a dead table
--   * the built-in fetchers write the new masters only
--   * ra_horse_pedigree.sire_id -> ra_mst_sires is enforced from now on (ra_horse_pedigree_sire_id_mst_fkey); rows that break it keep it NOT VALID and are reported, never deleted; rolling back phase 5 drops it
--   * ra_horse_pedigree.dam_id -> ra_mst_dams is enforced from now on (ra_horse_pedigree_dam_id_mst_fkey); rows that break it keep it NOT VALID and are reported, never deleted; rolling back phase 5 drops it
--   * ra_horse_pedigree.damsire_id -> ra_mst_damsires is enforced from now on (ra_horse_pedigree_damsire_id_mst_fkey); rows that break it keep it NOT VALID and are reported, never deleted; rolling back phase 5 drops it
--   * archived tables are kept until `ra-migrate purge` (default retention 30 days); rolling back phase 5 carries every change made to the new masters meanwhile back into them

-- ==== part 1 of 4: steps 1 to 172, one transaction under the exclusive phase lock ====

-- Step 1: record every change to ra_mst_bookmakers from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_bookmakers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_bookmakers', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_bookmakers', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 2: record every row of ra_mst_bookmakers before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_bookmakers
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_bookmakers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_bookmakers', ARRAY[id::text] FROM public.ra_mst_bookmakers ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 3: record every change to ra_mst_courses from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_courses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_courses', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_courses', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 4: record every row of ra_mst_courses before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_courses
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_courses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_courses', ARRAY[id::text] FROM public.ra_mst_courses ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 5: record every change to ra_mst_horses from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_horses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_horses', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_horses', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 6: record every row of ra_mst_horses before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_horses
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_horses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_horses', ARRAY[id::text] FROM public.ra_mst_horses ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 7: record every change to ra_mst_jockeys from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_jockeys() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_jockeys', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_jockeys', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 8: record every row of ra_mst_jockeys before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_jockeys
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_jockeys() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_jockeys', ARRAY[id::text] FROM public.ra_mst_jockeys ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 9: record every change to ra_mst_trainers from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_trainers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_trainers', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_trainers', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 10: record every row of ra_mst_trainers before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_trainers
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_trainers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_trainers', ARRAY[id::text] FROM public.ra_mst_trainers ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 11: record every change to ra_mst_owners from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_owners() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_owners', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_owners', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 12: record every row of ra_mst_owners before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_owners
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_owners() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_owners', ARRAY[id::text] FROM public.ra_mst_owners ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 13: record every change to ra_mst_sires from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_sires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_sires', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_sires', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 14: record every row of ra_mst_sires before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_sires
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_sires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_sires', ARRAY[id::text] FROM public.ra_mst_sires ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 15: record every change to ra_mst_dams from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_dams() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_dams', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_dams', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 16: record every row of ra_mst_dams before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_dams
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_dams() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_dams', ARRAY[id::text] FROM public.ra_mst_dams ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 17: record every change to ra_mst_damsires from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_damsires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_damsires', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_damsires', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 18: record every row of ra_mst_damsires before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_damsires
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_damsires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_damsires', ARRAY[id::text] FROM public.ra_mst_damsires ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 19: record every change to ra_mst_races from now on (for a rollback)
--   lock: none; touches: archive_changes
CREATE OR REPLACE FUNCTION ra_migrate.capture_ra_mst_races() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_races', ARRAY[OLD.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('ra_mst_races', ARRAY[NEW.id::text]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 20: record every row of ra_mst_races before a TRUNCATE (for a rollback)
--   lock: none; touches: archive_changes, ra_mst_races
CREATE OR REPLACE FUNCTION ra_migrate.capture_truncate_ra_mst_races() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT 'ra_mst_races', ARRAY[id::text] FROM public.ra_mst_races ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now();
  RETURN NULL;
END
$ra_migrate$;

-- Step 21: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_bookmakers, ra_courses, ra_horse_pedigree, ra_mst_bookmakers, ra_race_results, ra_runner_odds, ra_runners wait while it runs); touches: ra_bookmakers, ra_courses, ra_horse_pedigree, ra_mst_bookmakers, ra_race_results, ra_runner_odds, ra_runners
LOCK TABLE public.ra_horse_pedigree, public.ra_race_results, public.ra_runner_odds, public.ra_runners, public.ra_bookmakers, public.ra_mst_bookmakers, public.ra_courses IN ACCESS EXCLUSIVE MODE;

-- Step 22: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
LOCK TABLE public.ra_mst_courses IN SHARE ROW EXCLUSIVE MODE;

-- Step 23: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses
LOCK TABLE public.ra_horses IN ACCESS EXCLUSIVE MODE;

-- Step 24: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
LOCK TABLE public.ra_mst_horses IN SHARE ROW EXCLUSIVE MODE;

-- Step 25: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys
LOCK TABLE public.ra_jockeys IN ACCESS EXCLUSIVE MODE;

-- Step 26: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
LOCK TABLE public.ra_mst_jockeys IN SHARE ROW EXCLUSIVE MODE;

-- Step 27: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_trainers
LOCK TABLE public.ra_trainers IN ACCESS EXCLUSIVE MODE;

-- Step 28: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
LOCK TABLE public.ra_mst_trainers IN SHARE ROW EXCLUSIVE MODE;

-- Step 29: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_owners
LOCK TABLE public.ra_owners IN ACCESS EXCLUSIVE MODE;

-- Step 30: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
LOCK TABLE public.ra_mst_owners IN SHARE ROW EXCLUSIVE MODE;

-- Step 31: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_sires
LOCK TABLE public.ra_sires IN ACCESS EXCLUSIVE MODE;

-- Step 32: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
LOCK TABLE public.ra_mst_sires IN SHARE ROW EXCLUSIVE MODE;

-- Step 33: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams
LOCK TABLE public.ra_dams IN ACCESS EXCLUSIVE MODE;

-- Step 34: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
LOCK TABLE public.ra_mst_dams IN SHARE ROW EXCLUSIVE MODE;

-- Step 35: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires
LOCK TABLE public.ra_damsires IN ACCESS EXCLUSIVE MODE;

-- Step 36: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
LOCK TABLE public.ra_mst_damsires IN SHARE ROW EXCLUSIVE MODE;

-- Step 37: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_races
LOCK TABLE public.ra_races IN ACCESS EXCLUSIVE MODE;

-- Step 38: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
LOCK TABLE public.ra_mst_races IN SHARE ROW EXCLUSIVE MODE;

-- Step 39: stop copying writes on ra_bookmakers: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_bookmakers wait while it runs); touches: ra_bookmakers
DROP TRIGGER ra_migrate_dual_write ON public.ra_bookmakers;

-- Step 40: stop copying writes on ra_bookmakers: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_bookmakers wait while it runs); touches: ra_bookmakers
DROP TRIGGER ra_migrate_no_truncate ON public.ra_bookmakers;

-- Step 41: drop the dual-write function of ra_bookmakers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_bookmakers();

-- Step 42: stop copying writes on ra_mst_bookmakers back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_bookmakers;

-- Step 43: ra_mst_bookmakers is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_bookmakers;

-- Step 44: remove ra_migrate_write_gate from ra_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_bookmakers wait while it runs); touches: ra_bookmakers
DROP TRIGGER ra_migrate_write_gate ON public.ra_bookmakers;

-- Step 45: remove ra_migrate_write_gate from ra_mst_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_bookmakers;

-- Step 46: drop the reverse-write function of ra_bookmakers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_bookmakers();

-- Step 47: stop copying writes on ra_courses: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_courses wait while it runs); touches: ra_courses
DROP TRIGGER ra_migrate_dual_write ON public.ra_courses;

-- Step 48: stop copying writes on ra_courses: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_courses wait while it runs); touches: ra_courses
DROP TRIGGER ra_migrate_no_truncate ON public.ra_courses;

-- Step 49: drop the dual-write function of ra_courses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_courses();

-- Step 50: stop copying writes on ra_mst_courses back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_courses;

-- Step 51: ra_mst_courses is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_courses;

-- Step 52: remove ra_migrate_write_gate from ra_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_courses wait while it runs); touches: ra_courses
DROP TRIGGER ra_migrate_write_gate ON public.ra_courses;

-- Step 53: remove ra_migrate_write_gate from ra_mst_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_courses;

-- Step 54: drop the reverse-write function of ra_courses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_courses();

-- Step 55: stop publishing ra_horses in supabase_realtime (ra_mst_horses is published there)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horses
ALTER PUBLICATION supabase_realtime DROP TABLE public.ra_horses;

-- Step 56: stop copying writes on ra_horses: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses
DROP TRIGGER ra_migrate_dual_write ON public.ra_horses;

-- Step 57: stop copying writes on ra_horses: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses
DROP TRIGGER ra_migrate_no_truncate ON public.ra_horses;

-- Step 58: drop the dual-write function of ra_horses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_horses();

-- Step 59: stop copying writes on ra_mst_horses back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_horses;

-- Step 60: ra_mst_horses is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_horses;

-- Step 61: remove ra_migrate_write_gate from ra_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses
DROP TRIGGER ra_migrate_write_gate ON public.ra_horses;

-- Step 62: remove ra_migrate_write_gate from ra_mst_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_horses;

-- Step 63: drop the reverse-write function of ra_horses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_horses();

-- Step 64: stop copying writes on ra_jockeys: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys
DROP TRIGGER ra_migrate_dual_write ON public.ra_jockeys;

-- Step 65: stop copying writes on ra_jockeys: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys
DROP TRIGGER ra_migrate_no_truncate ON public.ra_jockeys;

-- Step 66: drop the dual-write function of ra_jockeys
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_jockeys();

-- Step 67: stop copying writes on ra_mst_jockeys back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_jockeys;

-- Step 68: ra_mst_jockeys is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_jockeys;

-- Step 69: remove ra_migrate_write_gate from ra_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys
DROP TRIGGER ra_migrate_write_gate ON public.ra_jockeys;

-- Step 70: remove ra_migrate_write_gate from ra_mst_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_jockeys;

-- Step 71: drop the reverse-write function of ra_jockeys
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_jockeys();

-- Step 72: stop copying writes on ra_trainers: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_trainers
DROP TRIGGER ra_migrate_dual_write ON public.ra_trainers;

-- Step 73: stop copying writes on ra_trainers: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_trainers
DROP TRIGGER ra_migrate_no_truncate ON public.ra_trainers;

-- Step 74: drop the dual-write function of ra_trainers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_trainers();

-- Step 75: stop copying writes on ra_mst_trainers back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_trainers;

-- Step 76: ra_mst_trainers is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_trainers;

-- Step 77: remove ra_migrate_write_gate from ra_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_trainers
DROP TRIGGER ra_migrate_write_gate ON public.ra_trainers;

-- Step 78: remove ra_migrate_write_gate from ra_mst_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_trainers;

-- Step 79: drop the reverse-write function of ra_trainers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_trainers();

-- Step 80: stop copying writes on ra_owners: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_owners
DROP TRIGGER ra_migrate_dual_write ON public.ra_owners;

-- Step 81: stop copying writes on ra_owners: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_owners
DROP TRIGGER ra_migrate_no_truncate ON public.ra_owners;

-- Step 82: drop the dual-write function of ra_owners
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_owners();

-- Step 83: stop copying writes on ra_mst_owners back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_owners;

-- Step 84: ra_mst_owners is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_owners;

-- Step 85: remove ra_migrate_write_gate from ra_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_owners
DROP TRIGGER ra_migrate_write_gate ON public.ra_owners;

-- Step 86: remove ra_migrate_write_gate from ra_mst_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_owners;

-- Step 87: drop the reverse-write function of ra_owners
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_owners();

-- Step 88: stop copying writes on ra_sires: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_sires
DROP TRIGGER ra_migrate_dual_write ON public.ra_sires;

-- Step 89: stop copying writes on ra_sires: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_sires
DROP TRIGGER ra_migrate_no_truncate ON public.ra_sires;

-- Step 90: drop the dual-write function of ra_sires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_sires();

-- Step 91: stop copying writes on ra_mst_sires back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_sires;

-- Step 92: ra_mst_sires is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_sires;

-- Step 93: remove ra_migrate_write_gate from ra_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_sires
DROP TRIGGER ra_migrate_write_gate ON public.ra_sires;

-- Step 94: remove ra_migrate_write_gate from ra_mst_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_sires;

-- Step 95: drop the reverse-write function of ra_sires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_sires();

-- Step 96: stop copying writes on ra_dams: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams
DROP TRIGGER ra_migrate_dual_write ON public.ra_dams;

-- Step 97: stop copying writes on ra_dams: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams
DROP TRIGGER ra_migrate_no_truncate ON public.ra_dams;

-- Step 98: drop the dual-write function of ra_dams
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_dams();

-- Step 99: stop copying writes on ra_mst_dams back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_dams;

-- Step 100: ra_mst_dams is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_dams;

-- Step 101: remove ra_migrate_write_gate from ra_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams
DROP TRIGGER ra_migrate_write_gate ON public.ra_dams;

-- Step 102: remove ra_migrate_write_gate from ra_mst_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_dams;

-- Step 103: drop the reverse-write function of ra_dams
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_dams();

-- Step 104: stop copying writes on ra_damsires: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires
DROP TRIGGER ra_migrate_dual_write ON public.ra_damsires;

-- Step 105: stop copying writes on ra_damsires: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires
DROP TRIGGER ra_migrate_no_truncate ON public.ra_damsires;

-- Step 106: drop the dual-write function of ra_damsires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_damsires();

-- Step 107: stop copying writes on ra_mst_damsires back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_damsires;

-- Step 108: ra_mst_damsires is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_damsires;

-- Step 109: remove ra_migrate_write_gate from ra_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires
DROP TRIGGER ra_migrate_write_gate ON public.ra_damsires;

-- Step 110: remove ra_migrate_write_gate from ra_mst_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_damsires;

-- Step 111: drop the reverse-write function of ra_damsires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_damsires();

-- Step 112: stop publishing ra_races in supabase_realtime (ra_mst_races is published there)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_races
ALTER PUBLICATION supabase_realtime DROP TABLE public.ra_races;

-- Step 113: stop copying writes on ra_races: drop ra_migrate_dual_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_races
DROP TRIGGER ra_migrate_dual_write ON public.ra_races;

-- Step 114: stop copying writes on ra_races: drop ra_migrate_no_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_races
DROP TRIGGER ra_migrate_no_truncate ON public.ra_races;

-- Step 115: drop the dual-write function of ra_races
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_races();

-- Step 116: stop copying writes on ra_mst_races back: drop ra_migrate_reverse_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_races;

-- Step 117: ra_mst_races is the table of record now: drop ra_migrate_no_early_write
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_races;

-- Step 118: remove ra_migrate_write_gate from ra_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_races
DROP TRIGGER ra_migrate_write_gate ON public.ra_races;

-- Step 119: remove ra_migrate_write_gate from ra_mst_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_races;

-- Step 120: drop the reverse-write function of ra_races
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_races();

-- Step 121: drop ra_horse_pedigree_horse_id_fkey (ra_horse_pedigree -> old ra_horses)
--   lock: ACCESS EXCLUSIVE (writers of ra_horse_pedigree, ra_horses wait while it runs); touches: ra_horse_pedigree, ra_horses
ALTER TABLE public.ra_horse_pedigree DROP CONSTRAINT ra_horse_pedigree_horse_id_fkey;

-- Step 122: drop ra_runner_odds_bookmaker_id_fkey (ra_runner_odds -> old ra_bookmakers)
--   lock: ACCESS EXCLUSIVE (writers of ra_bookmakers, ra_runner_odds wait while it runs); touches: ra_bookmakers, ra_runner_odds
ALTER TABLE public.ra_runner_odds DROP CONSTRAINT ra_runner_odds_bookmaker_id_fkey;

-- Step 123: drop ra_runner_odds_horse_id_fkey (ra_runner_odds -> old ra_horses)
--   lock: ACCESS EXCLUSIVE (writers of ra_horses, ra_runner_odds wait while it runs); touches: ra_horses, ra_runner_odds
ALTER TABLE public.ra_runner_odds DROP CONSTRAINT ra_runner_odds_horse_id_fkey;

-- Step 124: drop ra_runner_odds_race_id_fkey (ra_runner_odds -> old ra_races)
--   lock: ACCESS EXCLUSIVE (writers of ra_races, ra_runner_odds wait while it runs); touches: ra_races, ra_runner_odds
ALTER TABLE public.ra_runner_odds DROP CONSTRAINT ra_runner_odds_race_id_fkey;

-- Step 125: drop ra_runners_dam_id_fkey (ra_runners -> old ra_dams)
--   lock: ACCESS EXCLUSIVE (writers of ra_dams, ra_runners wait while it runs); touches: ra_dams, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_dam_id_fkey;

-- Step 126: drop ra_runners_damsire_id_fkey (ra_runners -> old ra_damsires)
--   lock: ACCESS EXCLUSIVE (writers of ra_damsires, ra_runners wait while it runs); touches: ra_damsires, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_damsire_id_fkey;

-- Step 127: drop ra_runners_horse_id_fkey (ra_runners -> old ra_horses)
--   lock: ACCESS EXCLUSIVE (writers of ra_horses, ra_runners wait while it runs); touches: ra_horses, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_horse_id_fkey;

-- Step 128: drop ra_runners_jockey_id_fkey (ra_runners -> old ra_jockeys)
--   lock: ACCESS EXCLUSIVE (writers of ra_jockeys, ra_runners wait while it runs); touches: ra_jockeys, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_jockey_id_fkey;

-- Step 129: drop ra_runners_owner_id_fkey (ra_runners -> old ra_owners)
--   lock: ACCESS EXCLUSIVE (writers of ra_owners, ra_runners wait while it runs); touches: ra_owners, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_owner_id_fkey;

-- Step 130: drop ra_runners_race_id_fkey (ra_runners -> old ra_races)
--   lock: ACCESS EXCLUSIVE (writers of ra_races, ra_runners wait while it runs); touches: ra_races, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_race_id_fkey;

-- Step 131: drop ra_runners_sire_id_fkey (ra_runners -> old ra_sires)
--   lock: ACCESS EXCLUSIVE (writers of ra_runners, ra_sires wait while it runs); touches: ra_runners, ra_sires
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_sire_id_fkey;

-- Step 132: drop ra_runners_trainer_id_fkey (ra_runners -> old ra_trainers)
--   lock: ACCESS EXCLUSIVE (writers of ra_runners, ra_trainers wait while it runs); touches: ra_runners, ra_trainers
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_trainer_id_fkey;

-- Step 133: move ra_mst_bookmakers_id_seq past every id ra_bookmakers_id_seq handed out
--   lock: none; touches: ra_bookmakers_id_seq, ra_mst_bookmakers_id_seq
SELECT setval('public.ra_mst_bookmakers_id_seq', greatest(t.last_value, f.last_value), true) FROM public.ra_mst_bookmakers_id_seq t, public.ra_bookmakers_id_seq f;

-- Step 134: ra_mst_bookmakers.id takes its ids from ra_mst_bookmakers_id_seq from now on
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers, ra_mst_bookmakers_id_seq
ALTER TABLE public.ra_mst_bookmakers ALTER COLUMN id SET DEFAULT nextval('public.ra_mst_bookmakers_id_seq'::regclass);

-- Step 135: capture trigger on ra_mst_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_bookmakers FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_bookmakers();

-- Step 136: TRUNCATE capture trigger on ra_mst_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_bookmakers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_bookmakers();

-- Step 137: capture trigger on ra_mst_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_courses FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_courses();

-- Step 138: TRUNCATE capture trigger on ra_mst_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_courses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_courses();

-- Step 139: capture trigger on ra_mst_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_horses FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_horses();

-- Step 140: TRUNCATE capture trigger on ra_mst_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_horses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_horses();

-- Step 141: capture trigger on ra_mst_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_jockeys FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_jockeys();

-- Step 142: TRUNCATE capture trigger on ra_mst_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_jockeys FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_jockeys();

-- Step 143: capture trigger on ra_mst_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_trainers FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_trainers();

-- Step 144: TRUNCATE capture trigger on ra_mst_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_trainers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_trainers();

-- Step 145: capture trigger on ra_mst_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_owners FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_owners();

-- Step 146: TRUNCATE capture trigger on ra_mst_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_owners FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_owners();

-- Step 147: capture trigger on ra_mst_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_sires FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_sires();

-- Step 148: TRUNCATE capture trigger on ra_mst_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_sires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_sires();

-- Step 149: capture trigger on ra_mst_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_dams FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_dams();

-- Step 150: TRUNCATE capture trigger on ra_mst_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_dams FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_dams();

-- Step 151: capture trigger on ra_mst_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_damsires FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_damsires();

-- Step 152: TRUNCATE capture trigger on ra_mst_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_damsires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_damsires();

-- Step 153: capture trigger on ra_mst_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
CREATE TRIGGER ra_migrate_capture AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_races FOR EACH ROW EXECUTE FUNCTION ra_migrate.capture_ra_mst_races();

-- Step 154: TRUNCATE capture trigger on ra_mst_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
CREATE TRIGGER ra_migrate_capture_truncate BEFORE TRUNCATE ON public.ra_mst_races FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.capture_truncate_ra_mst_races();

-- Step 155: enforce ra_horse_pedigree.sire_id -> ra_mst_sires (ra_horse_pedigree_sire_id_mst_fkey; NOT VALID, validated after the archive)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_sires wait while it runs); touches: ra_horse_pedigree, ra_mst_sires
ALTER TABLE public.ra_horse_pedigree ADD CONSTRAINT ra_horse_pedigree_sire_id_mst_fkey FOREIGN KEY (sire_id) REFERENCES public.ra_mst_sires(id) NOT VALID;

-- Step 156: enforce ra_horse_pedigree.dam_id -> ra_mst_dams (ra_horse_pedigree_dam_id_mst_fkey; NOT VALID, validated after the archive)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_dams wait while it runs); touches: ra_horse_pedigree, ra_mst_dams
ALTER TABLE public.ra_horse_pedigree ADD CONSTRAINT ra_horse_pedigree_dam_id_mst_fkey FOREIGN KEY (dam_id) REFERENCES public.ra_mst_dams(id) NOT VALID;

-- Step 157: enforce ra_horse_pedigree.damsire_id -> ra_mst_damsires (ra_horse_pedigree_damsire_id_mst_fkey; NOT VALID, validated after the archive)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_damsires wait while it runs); touches: ra_horse_pedigree, ra_mst_damsires
ALTER TABLE public.ra_horse_pedigree ADD CONSTRAINT ra_horse_pedigree_damsire_id_mst_fkey FOREIGN KEY (damsire_id) REFERENCES public.ra_mst_damsires(id) NOT VALID;

-- Step 158: drop the TRUNCATE guard function
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.refuse_truncate_during_migration();

-- Step 159: drop the write gate's functions
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.write_gate_old(), ra_migrate.write_gate_new();

-- Step 160: drop the write gate
--   lock: none; touches: write_gate
DROP TABLE IF EXISTS ra_migrate.write_gate;

-- Step 161: drop the early-write guard function
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.refuse_write_before_backfill();

-- Step 162: archive ra_bookmakers as ra_old_bookmakers
--   lock: ACCESS EXCLUSIVE (writers of ra_bookmakers wait while it runs); touches: ra_bookmakers, ra_old_bookmakers
ALTER TABLE public.ra_bookmakers RENAME TO ra_old_bookmakers;

-- Step 163: archive ra_courses as ra_old_courses
--   lock: ACCESS EXCLUSIVE (writers of ra_courses wait while it runs); touches: ra_courses, ra_old_courses
ALTER TABLE public.ra_courses RENAME TO ra_old_courses;

-- Step 164: archive ra_horses as ra_old_horses
--   lock: ACCESS EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses, ra_old_horses
ALTER TABLE public.ra_horses RENAME TO ra_old_horses;

-- Step 165: archive ra_jockeys as ra_old_jockeys
--   lock: ACCESS EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys, ra_old_jockeys
ALTER TABLE public.ra_jockeys RENAME TO ra_old_jockeys;

-- Step 166: archive ra_trainers as ra_old_trainers
--   lock: ACCESS EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_old_trainers, ra_trainers
ALTER TABLE public.ra_trainers RENAME TO ra_old_trainers;

-- Step 167: archive ra_owners as ra_old_owners
--   lock: ACCESS EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_old_owners, ra_owners
ALTER TABLE public.ra_owners RENAME TO ra_old_owners;

-- Step 168: archive ra_sires as ra_old_sires
--   lock: ACCESS EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_old_sires, ra_sires
ALTER TABLE public.ra_sires RENAME TO ra_old_sires;

-- Step 169: archive ra_dams as ra_old_dams
--   lock: ACCESS EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams, ra_old_dams
ALTER TABLE public.ra_dams RENAME TO ra_old_dams;

-- Step 170: archive ra_damsires as ra_old_damsires
--   lock: ACCESS EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires, ra_old_damsires
ALTER TABLE public.ra_damsires RENAME TO ra_old_damsires;

-- Step 171: archive ra_races as ra_old_races
--   lock: ACCESS EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_old_races, ra_races
ALTER TABLE public.ra_races RENAME TO ra_old_races;

-- Step 172: archive ra_race_results as ra_old_race_results
--   lock: ACCESS EXCLUSIVE (writers of ra_race_results wait while it runs); touches: ra_old_race_results, ra_race_results
ALTER TABLE public.ra_race_results RENAME TO ra_old_race_results;

-- ==== part 2 of 4: step 173, its own transaction, without the phase lock ====

-- Step 173: validate ra_horse_pedigree_sire_id_mst_fkey without blocking writers of ra_horse_pedigree
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horse_pedigree
ALTER TABLE public.ra_horse_pedigree VALIDATE CONSTRAINT ra_horse_pedigree_sire_id_mst_fkey;

-- ==== part 3 of 4: step 174, its own transaction, without the phase lock ====

-- Step 174: validate ra_horse_pedigree_dam_id_mst_fkey without blocking writers of ra_horse_pedigree
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horse_pedigree
ALTER TABLE public.ra_horse_pedigree VALIDATE CONSTRAINT ra_horse_pedigree_dam_id_mst_fkey;

-- ==== part 4 of 4: step 175, its own transaction, without the phase lock ====

-- Step 175: validate ra_horse_pedigree_damsire_id_mst_fkey without blocking writers of ra_horse_pedigree
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horse_pedigree
ALTER TABLE public.ra_horse_pedigree VALIDATE CONSTRAINT ra_horse_pedigree_damsire_id_mst_fkey;
