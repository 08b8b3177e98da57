-- ra-migrate plan: roll back phase 5 (archive)
-- 226 steps in 24 parts, each one transaction or, for a copy, one transaction per keyset batch (checkpointed); resumable: after a crash run the same command again.
-- Each try waits at most lock_timeout = 200ms for a lock; 10 retries on lock timeouts only.
-- Each try first asks for its up-front locks with NOWAIT, again every few ms for up to 1000ms, so writers never queue behind a waiting request; only then does it queue for them.
-- Writers of these tables wait while a step holds its lock: ra_horse_pedigree, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_old_bookmakers, ra_old_courses, ra_old_dams, ra_old_damsires, ra_old_horses, ra_old_jockeys, ra_old_owners, ra_old_race_results, ra_old_races, ra_old_sires, ra_old_trainers, ra_runner_odds, ra_runners.
--
-- Notes:
--   * ra_bookmakers: 0 row(s) inserted, updated, deleted or truncated in ra_mst_bookmakers since the archive are carried back
--   * ra_courses: 0 row(s) inserted, updated, deleted or truncated in ra_mst_courses since the archive are carried back
--   * ra_horses: 0 row(s) inserted, updated, deleted or truncated in ra_mst_horses since the archive are carried back
--   * ra_jockeys: 0 row(s) inserted, updated, deleted or truncated in ra_mst_jockeys since the archive are carried back
--   * ra_trainers: 0 row(s) inserted, updated, deleted or truncated in ra_mst_trainers since the archive are carried back
--   * ra_owners: 0 row(s) inserted, updated, deleted or truncated in ra_mst_owners since the archive are carried back
--   * ra_sires: 0 row(s) inserted, updated, deleted or truncated in ra_mst_sires since the archive are carried back
--   * ra_dams: 0 row(s) inserted, updated, deleted or truncated in ra_mst_dams since the archive are carried back
--   * ra_damsires: 0 row(s) inserted, updated, deleted or truncated in ra_mst_damsires since the archive are carried back
--   * ra_races: 0 row(s) inserted, updated, deleted or truncated in ra_mst_races since the archive are carried back

-- ==== part 1 of 24: steps 1 to 203, one transaction under the exclusive phase lock ====

-- Step 1: guard: TRUNCATE on an old master would silently desynchronise its copy, so it is refused while dual-write runs
--   lock: none; touches: -
CREATE OR REPLACE FUNCTION ra_migrate.refuse_truncate_during_migration() RETURNS trigger LANGUAGE plpgsql AS $ra_migrate$
BEGIN
  RAISE EXCEPTION 'ra-migrate: TRUNCATE of % is refused during the migration (it would desynchronise the new layout); roll back phase 2 first', TG_TABLE_NAME;
END
$ra_migrate$;

-- Step 2: guard: a writer's statement on a new master is refused until the backfill has copied that master (before that, the new table lacks rows the statement would update, delete or collide with, and a copy back would overwrite the old row with a partial one)
--   lock: none; touches: backfill_checkpoint
CREATE OR REPLACE FUNCTION ra_migrate.refuse_write_before_backfill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM ra_migrate.backfill_checkpoint WHERE table_name = TG_TABLE_NAME AND done) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'ra-migrate: % on % is refused until phase 3 has backfilled it: write the old table meanwhile (dual-write copies every change)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = '55000';
END
$ra_migrate$;

-- Step 3: the write gate: a table that never holds a row, only its lock is used
--   lock: none; touches: write_gate
CREATE TABLE ra_migrate.write_gate ();

-- Step 4: writers of the old names join the write gate in ROW EXCLUSIVE mode before they lock a row
--   lock: none; touches: write_gate
CREATE OR REPLACE FUNCTION ra_migrate.write_gate_old() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF current_setting('ra_migrate.replicating', true) = 'on' OR coalesce(current_setting('ra_migrate.write_gate', true), '') <> '' THEN
    RETURN NULL;
  END IF;
  IF ('old') = 'old' THEN
    LOCK TABLE ra_migrate.write_gate IN ROW EXCLUSIVE MODE;
    PERFORM set_config('ra_migrate.write_gate', 'old', true);
  ELSE
    LOCK TABLE ra_migrate.write_gate IN ROW EXCLUSIVE MODE;
    PERFORM set_config('ra_migrate.write_gate', 'new', true);
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 5: only the installer may use ra_migrate.write_gate_old
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.write_gate_old() FROM PUBLIC;

-- Step 6: writers of the new names join the write gate in SHARE mode before they lock a row
--   lock: none; touches: write_gate
CREATE OR REPLACE FUNCTION ra_migrate.write_gate_new() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $ra_migrate$
BEGIN
  IF current_setting('ra_migrate.replicating', true) = 'on' OR coalesce(current_setting('ra_migrate.write_gate', true), '') <> '' THEN
    RETURN NULL;
  END IF;
  IF (CASE WHEN current_setting('ra_migrate.app_dual_write', true) = 'on' THEN 'old' ELSE 'new' END) = 'old' THEN
    LOCK TABLE ra_migrate.write_gate IN ROW EXCLUSIVE MODE;
    PERFORM set_config('ra_migrate.write_gate', 'old', true);
  ELSE
    LOCK TABLE ra_migrate.write_gate IN SHARE MODE;
    PERFORM set_config('ra_migrate.write_gate', 'new', true);
  END IF;
  RETURN NULL;
END
$ra_migrate$;

-- Step 7: only the installer may use ra_migrate.write_gate_new
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.write_gate_new() FROM PUBLIC;

-- Step 8: trigger function copying writes on ra_bookmakers to ra_mst_bookmakers
--   lock: none; touches: ra_mst_bookmakers
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_bookmakers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_bookmakers'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_bookmakers only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_bookmakers WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_bookmakers (id, name, code, is_active, created_at, type) VALUES (OLD.id, OLD.name, OLD.code, OLD.is_active, OLD.created_at, OLD.type) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_bookmakers SET id = NEW.id, name = NEW.name, code = NEW.code, is_active = NEW.is_active, created_at = NEW.created_at, type = NEW.type WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_bookmakers (id, name, code, is_active, created_at, type) VALUES (OLD.id, OLD.name, OLD.code, OLD.is_active, OLD.created_at, OLD.type) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_bookmakers (id, name, code, is_active, created_at, type) VALUES (NEW.id, NEW.name, NEW.code, NEW.is_active, NEW.created_at, NEW.type) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, code = EXCLUDED.code, is_active = EXCLUDED.is_active, created_at = EXCLUDED.created_at, type = EXCLUDED.type;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_bookmakers (id, name, code, is_active, created_at, type) VALUES (NEW.id, NEW.name, NEW.code, NEW.is_active, NEW.created_at, NEW.type) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, code = EXCLUDED.code, is_active = EXCLUDED.is_active, created_at = EXCLUDED.created_at, type = EXCLUDED.type;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 9: only the installer may use ra_migrate.dual_write_ra_bookmakers
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_bookmakers() FROM PUBLIC;

-- Step 10: trigger function copying writes made directly on ra_mst_bookmakers back to ra_bookmakers
--   lock: none; touches: ra_bookmakers, ra_mst_bookmakers
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_bookmakers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_bookmakers'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_bookmakers only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_bookmakers WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_bookmakers (id, name, code, is_active, created_at, type) VALUES (OLD.id, OLD.name, OLD.code, OLD.is_active, OLD.created_at, OLD.type) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_bookmakers SET id = NEW.id, name = NEW.name, code = NEW.code, is_active = NEW.is_active, created_at = NEW.created_at, type = NEW.type WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_bookmakers (id, name, code, is_active, created_at, type) VALUES (OLD.id, OLD.name, OLD.code, OLD.is_active, OLD.created_at, OLD.type) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_bookmakers (id, name, code, is_active, created_at, type) VALUES (NEW.id, NEW.name, NEW.code, NEW.is_active, NEW.created_at, NEW.type) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, code = EXCLUDED.code, is_active = EXCLUDED.is_active, created_at = EXCLUDED.created_at, type = EXCLUDED.type;
    END IF;
  ELSE
    INSERT INTO public.ra_bookmakers (id, name, code, is_active, created_at, type) VALUES (NEW.id, NEW.name, NEW.code, NEW.is_active, NEW.created_at, NEW.type) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, code = EXCLUDED.code, is_active = EXCLUDED.is_active, created_at = EXCLUDED.created_at, type = EXCLUDED.type;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_bookmakers s SET name = t.name, code = t.code, is_active = t.is_active, created_at = t.created_at, type = t.type FROM public.ra_bookmakers t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.code, s.is_active, s.created_at, s.type)::text IS DISTINCT FROM ROW(t.id, t.name, t.code, t.is_active, t.created_at, t.type)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 11: only the installer may use ra_migrate.reverse_write_ra_bookmakers
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_bookmakers() FROM PUBLIC;

-- Step 12: trigger function copying writes on ra_courses to ra_mst_courses
--   lock: none; touches: ra_mst_courses
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_courses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_courses'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_courses only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_courses WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.region_code, OLD.region, OLD.longitude, OLD.latitude, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_courses SET id = NEW.id, name = NEW.name, region_code = NEW.region_code, region = NEW.region, longitude = NEW.longitude, latitude = NEW.latitude, created_at = NEW.created_at, updated_at = NEW.updated_at WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.region_code, OLD.region, OLD.longitude, OLD.latitude, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.region_code, NEW.region, NEW.longitude, NEW.latitude, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code, region = EXCLUDED.region, longitude = EXCLUDED.longitude, latitude = EXCLUDED.latitude, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.region_code, NEW.region, NEW.longitude, NEW.latitude, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code, region = EXCLUDED.region, longitude = EXCLUDED.longitude, latitude = EXCLUDED.latitude, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 13: only the installer may use ra_migrate.dual_write_ra_courses
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_courses() FROM PUBLIC;

-- Step 14: trigger function copying writes made directly on ra_mst_courses back to ra_courses
--   lock: none; touches: ra_courses, ra_mst_courses
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_courses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_courses'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_courses only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_courses WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.region_code, OLD.region, OLD.longitude, OLD.latitude, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_courses SET id = NEW.id, name = NEW.name, region_code = NEW.region_code, region = NEW.region, longitude = NEW.longitude, latitude = NEW.latitude, created_at = NEW.created_at, updated_at = NEW.updated_at WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.region_code, OLD.region, OLD.longitude, OLD.latitude, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.region_code, NEW.region, NEW.longitude, NEW.latitude, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code, region = EXCLUDED.region, longitude = EXCLUDED.longitude, latitude = EXCLUDED.latitude, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
    END IF;
  ELSE
    INSERT INTO public.ra_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.region_code, NEW.region, NEW.longitude, NEW.latitude, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code, region = EXCLUDED.region, longitude = EXCLUDED.longitude, latitude = EXCLUDED.latitude, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_courses s SET name = t.name, region_code = t.region_code, region = t.region, longitude = t.longitude, latitude = t.latitude, created_at = t.created_at, updated_at = t.updated_at FROM public.ra_courses t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.region_code, s.region, s.longitude, s.latitude, s.created_at, s.updated_at)::text IS DISTINCT FROM ROW(t.id, t.name, t.region_code, t.region, t.longitude, t.latitude, t.created_at, t.updated_at)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 15: only the installer may use ra_migrate.reverse_write_ra_courses
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_courses() FROM PUBLIC;

-- Step 16: trigger function copying writes on ra_horses to ra_mst_horses
--   lock: none; touches: ra_mst_horses
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_horses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_horses'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_horses only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_horses WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.sire_id, OLD.dam_id, OLD.damsire_id, OLD.dob, OLD.age, OLD.sex, OLD.sex_code, OLD.colour, OLD.colour_code, OLD.breeder, OLD.region, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_horses SET id = NEW.id, name = NEW.name, sire_id = NEW.sire_id, dam_id = NEW.dam_id, damsire_id = NEW.damsire_id, dob = NEW.dob, age = NEW.age, sex = NEW.sex, sex_code = NEW.sex_code, colour = NEW.colour, colour_code = NEW.colour_code, breeder = NEW.breeder, region = NEW.region, created_at = NEW.created_at, updated_at = NEW.updated_at WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.sire_id, OLD.dam_id, OLD.damsire_id, OLD.dob, OLD.age, OLD.sex, OLD.sex_code, OLD.colour, OLD.colour_code, OLD.breeder, OLD.region, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.sire_id, NEW.dam_id, NEW.damsire_id, NEW.dob, NEW.age, NEW.sex, NEW.sex_code, NEW.colour, NEW.colour_code, NEW.breeder, NEW.region, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sire_id = EXCLUDED.sire_id, dam_id = EXCLUDED.dam_id, damsire_id = EXCLUDED.damsire_id, dob = EXCLUDED.dob, age = EXCLUDED.age, sex = EXCLUDED.sex, sex_code = EXCLUDED.sex_code, colour = EXCLUDED.colour, colour_code = EXCLUDED.colour_code, breeder = EXCLUDED.breeder, region = EXCLUDED.region, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.sire_id, NEW.dam_id, NEW.damsire_id, NEW.dob, NEW.age, NEW.sex, NEW.sex_code, NEW.colour, NEW.colour_code, NEW.breeder, NEW.region, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sire_id = EXCLUDED.sire_id, dam_id = EXCLUDED.dam_id, damsire_id = EXCLUDED.damsire_id, dob = EXCLUDED.dob, age = EXCLUDED.age, sex = EXCLUDED.sex, sex_code = EXCLUDED.sex_code, colour = EXCLUDED.colour, colour_code = EXCLUDED.colour_code, breeder = EXCLUDED.breeder, region = EXCLUDED.region, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 17: only the installer may use ra_migrate.dual_write_ra_horses
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_horses() FROM PUBLIC;

-- Step 18: trigger function copying writes made directly on ra_mst_horses back to ra_horses
--   lock: none; touches: ra_horses, ra_mst_horses
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_horses() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_horses'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_horses only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_horses WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.sire_id, OLD.dam_id, OLD.damsire_id, OLD.dob, OLD.age, OLD.sex, OLD.sex_code, OLD.colour, OLD.colour_code, OLD.breeder, OLD.region, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_horses SET id = NEW.id, name = NEW.name, sire_id = NEW.sire_id, dam_id = NEW.dam_id, damsire_id = NEW.damsire_id, dob = NEW.dob, age = NEW.age, sex = NEW.sex, sex_code = NEW.sex_code, colour = NEW.colour, colour_code = NEW.colour_code, breeder = NEW.breeder, region = NEW.region, created_at = NEW.created_at, updated_at = NEW.updated_at WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (OLD.id, OLD.name, OLD.sire_id, OLD.dam_id, OLD.damsire_id, OLD.dob, OLD.age, OLD.sex, OLD.sex_code, OLD.colour, OLD.colour_code, OLD.breeder, OLD.region, OLD.created_at, OLD.updated_at) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.sire_id, NEW.dam_id, NEW.damsire_id, NEW.dob, NEW.age, NEW.sex, NEW.sex_code, NEW.colour, NEW.colour_code, NEW.breeder, NEW.region, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sire_id = EXCLUDED.sire_id, dam_id = EXCLUDED.dam_id, damsire_id = EXCLUDED.damsire_id, dob = EXCLUDED.dob, age = EXCLUDED.age, sex = EXCLUDED.sex, sex_code = EXCLUDED.sex_code, colour = EXCLUDED.colour, colour_code = EXCLUDED.colour_code, breeder = EXCLUDED.breeder, region = EXCLUDED.region, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
    END IF;
  ELSE
    INSERT INTO public.ra_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) VALUES (NEW.id, NEW.name, NEW.sire_id, NEW.dam_id, NEW.damsire_id, NEW.dob, NEW.age, NEW.sex, NEW.sex_code, NEW.colour, NEW.colour_code, NEW.breeder, NEW.region, NEW.created_at, NEW.updated_at) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sire_id = EXCLUDED.sire_id, dam_id = EXCLUDED.dam_id, damsire_id = EXCLUDED.damsire_id, dob = EXCLUDED.dob, age = EXCLUDED.age, sex = EXCLUDED.sex, sex_code = EXCLUDED.sex_code, colour = EXCLUDED.colour, colour_code = EXCLUDED.colour_code, breeder = EXCLUDED.breeder, region = EXCLUDED.region, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_horses s SET name = t.name, sire_id = t.sire_id, dam_id = t.dam_id, damsire_id = t.damsire_id, dob = t.dob, age = t.age, sex = t.sex, sex_code = t.sex_code, colour = t.colour, colour_code = t.colour_code, breeder = t.breeder, region = t.region, created_at = t.created_at, updated_at = t.updated_at FROM public.ra_horses t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.sire_id, s.dam_id, s.damsire_id, s.dob, s.age, s.sex, s.sex_code, s.colour, s.colour_code, s.breeder, s.region, s.created_at, s.updated_at)::text IS DISTINCT FROM ROW(t.id, t.name, t.sire_id, t.dam_id, t.damsire_id, t.dob, t.age, t.sex, t.sex_code, t.colour, t.colour_code, t.breeder, t.region, t.created_at, t.updated_at)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 19: only the installer may use ra_migrate.reverse_write_ra_horses
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_horses() FROM PUBLIC;

-- Step 20: trigger function copying writes on ra_jockeys to ra_mst_jockeys
--   lock: none; touches: ra_mst_jockeys
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_jockeys() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_jockeys'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_jockeys only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_jockeys WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_rides, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_ride_date, OLD.last_win_date, OLD.days_since_last_ride, OLD.days_since_last_win, OLD.recent_14d_rides, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_rides, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_jockeys SET id = NEW.id, name = NEW.name, created_at = NEW.created_at, updated_at = NEW.updated_at, total_rides = NEW.total_rides, total_wins = NEW.total_wins, total_places = NEW.total_places, total_seconds = NEW.total_seconds, total_thirds = NEW.total_thirds, win_rate = NEW.win_rate, place_rate = NEW.place_rate, stats_updated_at = NEW.stats_updated_at, last_ride_date = NEW.last_ride_date, last_win_date = NEW.last_win_date, days_since_last_ride = NEW.days_since_last_ride, days_since_last_win = NEW.days_since_last_win, recent_14d_rides = NEW.recent_14d_rides, recent_14d_wins = NEW.recent_14d_wins, recent_14d_win_rate = NEW.recent_14d_win_rate, recent_30d_rides = NEW.recent_30d_rides, recent_30d_wins = NEW.recent_30d_wins, recent_30d_win_rate = NEW.recent_30d_win_rate WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_rides, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_ride_date, OLD.last_win_date, OLD.days_since_last_ride, OLD.days_since_last_win, OLD.recent_14d_rides, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_rides, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_rides, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_ride_date, NEW.last_win_date, NEW.days_since_last_ride, NEW.days_since_last_win, NEW.recent_14d_rides, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_rides, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_rides = EXCLUDED.total_rides, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_ride_date = EXCLUDED.last_ride_date, last_win_date = EXCLUDED.last_win_date, days_since_last_ride = EXCLUDED.days_since_last_ride, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_rides = EXCLUDED.recent_14d_rides, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_rides = EXCLUDED.recent_30d_rides, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_rides, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_ride_date, NEW.last_win_date, NEW.days_since_last_ride, NEW.days_since_last_win, NEW.recent_14d_rides, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_rides, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_rides = EXCLUDED.total_rides, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_ride_date = EXCLUDED.last_ride_date, last_win_date = EXCLUDED.last_win_date, days_since_last_ride = EXCLUDED.days_since_last_ride, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_rides = EXCLUDED.recent_14d_rides, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_rides = EXCLUDED.recent_30d_rides, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 21: only the installer may use ra_migrate.dual_write_ra_jockeys
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_jockeys() FROM PUBLIC;

-- Step 22: trigger function copying writes made directly on ra_mst_jockeys back to ra_jockeys
--   lock: none; touches: ra_jockeys, ra_mst_jockeys
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_jockeys() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_jockeys'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_jockeys only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_jockeys WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_rides, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_ride_date, OLD.last_win_date, OLD.days_since_last_ride, OLD.days_since_last_win, OLD.recent_14d_rides, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_rides, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_jockeys SET id = NEW.id, name = NEW.name, created_at = NEW.created_at, updated_at = NEW.updated_at, total_rides = NEW.total_rides, total_wins = NEW.total_wins, total_places = NEW.total_places, total_seconds = NEW.total_seconds, total_thirds = NEW.total_thirds, win_rate = NEW.win_rate, place_rate = NEW.place_rate, stats_updated_at = NEW.stats_updated_at, last_ride_date = NEW.last_ride_date, last_win_date = NEW.last_win_date, days_since_last_ride = NEW.days_since_last_ride, days_since_last_win = NEW.days_since_last_win, recent_14d_rides = NEW.recent_14d_rides, recent_14d_wins = NEW.recent_14d_wins, recent_14d_win_rate = NEW.recent_14d_win_rate, recent_30d_rides = NEW.recent_30d_rides, recent_30d_wins = NEW.recent_30d_wins, recent_30d_win_rate = NEW.recent_30d_win_rate WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_rides, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_ride_date, OLD.last_win_date, OLD.days_since_last_ride, OLD.days_since_last_win, OLD.recent_14d_rides, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_rides, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_rides, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_ride_date, NEW.last_win_date, NEW.days_since_last_ride, NEW.days_since_last_win, NEW.recent_14d_rides, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_rides, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_rides = EXCLUDED.total_rides, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_ride_date = EXCLUDED.last_ride_date, last_win_date = EXCLUDED.last_win_date, days_since_last_ride = EXCLUDED.days_since_last_ride, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_rides = EXCLUDED.recent_14d_rides, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_rides = EXCLUDED.recent_30d_rides, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
    END IF;
  ELSE
    INSERT INTO public.ra_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_rides, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_ride_date, NEW.last_win_date, NEW.days_since_last_ride, NEW.days_since_last_win, NEW.recent_14d_rides, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_rides, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_rides = EXCLUDED.total_rides, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_ride_date = EXCLUDED.last_ride_date, last_win_date = EXCLUDED.last_win_date, days_since_last_ride = EXCLUDED.days_since_last_ride, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_rides = EXCLUDED.recent_14d_rides, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_rides = EXCLUDED.recent_30d_rides, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_jockeys s SET name = t.name, created_at = t.created_at, updated_at = t.updated_at, total_rides = t.total_rides, total_wins = t.total_wins, total_places = t.total_places, total_seconds = t.total_seconds, total_thirds = t.total_thirds, win_rate = t.win_rate, place_rate = t.place_rate, stats_updated_at = t.stats_updated_at, last_ride_date = t.last_ride_date, last_win_date = t.last_win_date, days_since_last_ride = t.days_since_last_ride, days_since_last_win = t.days_since_last_win, recent_14d_rides = t.recent_14d_rides, recent_14d_wins = t.recent_14d_wins, recent_14d_win_rate = t.recent_14d_win_rate, recent_30d_rides = t.recent_30d_rides, recent_30d_wins = t.recent_30d_wins, recent_30d_win_rate = t.recent_30d_win_rate FROM public.ra_jockeys t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.created_at, s.updated_at, s.total_rides, s.total_wins, s.total_places, s.total_seconds, s.total_thirds, s.win_rate, s.place_rate, s.stats_updated_at, s.last_ride_date, s.last_win_date, s.days_since_last_ride, s.days_since_last_win, s.recent_14d_rides, s.recent_14d_wins, s.recent_14d_win_rate, s.recent_30d_rides, s.recent_30d_wins, s.recent_30d_win_rate)::text IS DISTINCT FROM ROW(t.id, t.name, t.created_at, t.updated_at, t.total_rides, t.total_wins, t.total_places, t.total_seconds, t.total_thirds, t.win_rate, t.place_rate, t.stats_updated_at, t.last_ride_date, t.last_win_date, t.days_since_last_ride, t.days_since_last_win, t.recent_14d_rides, t.recent_14d_wins, t.recent_14d_win_rate, t.recent_30d_rides, t.recent_30d_wins, t.recent_30d_win_rate)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 23: only the installer may use ra_migrate.reverse_write_ra_jockeys
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_jockeys() FROM PUBLIC;

-- Step 24: trigger function copying writes on ra_trainers to ra_mst_trainers
--   lock: none; touches: ra_mst_trainers
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_trainers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_trainers'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_trainers only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_trainers WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.location, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_trainers SET id = NEW.id, name = NEW.name, location = NEW.location, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places = NEW.total_places, total_seconds = NEW.total_seconds, total_thirds = NEW.total_thirds, win_rate = NEW.win_rate, place_rate = NEW.place_rate, stats_updated_at = NEW.stats_updated_at, last_runner_date = NEW.last_runner_date, last_win_date = NEW.last_win_date, days_since_last_runner = NEW.days_since_last_runner, days_since_last_win = NEW.days_since_last_win, recent_14d_runs = NEW.recent_14d_runs, recent_14d_wins = NEW.recent_14d_wins, recent_14d_win_rate = NEW.recent_14d_win_rate, recent_30d_runs = NEW.recent_30d_runs, recent_30d_wins = NEW.recent_30d_wins, recent_30d_win_rate = NEW.recent_30d_win_rate WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.location, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.location, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, location = EXCLUDED.location, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.location, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, location = EXCLUDED.location, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 25: only the installer may use ra_migrate.dual_write_ra_trainers
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_trainers() FROM PUBLIC;

-- Step 26: trigger function copying writes made directly on ra_mst_trainers back to ra_trainers
--   lock: none; touches: ra_mst_trainers, ra_trainers
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_trainers() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_trainers'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_trainers only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_trainers WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.location, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_trainers SET id = NEW.id, name = NEW.name, location = NEW.location, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places = NEW.total_places, total_seconds = NEW.total_seconds, total_thirds = NEW.total_thirds, win_rate = NEW.win_rate, place_rate = NEW.place_rate, stats_updated_at = NEW.stats_updated_at, last_runner_date = NEW.last_runner_date, last_win_date = NEW.last_win_date, days_since_last_runner = NEW.days_since_last_runner, days_since_last_win = NEW.days_since_last_win, recent_14d_runs = NEW.recent_14d_runs, recent_14d_wins = NEW.recent_14d_wins, recent_14d_win_rate = NEW.recent_14d_win_rate, recent_30d_runs = NEW.recent_30d_runs, recent_30d_wins = NEW.recent_30d_wins, recent_30d_win_rate = NEW.recent_30d_win_rate WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.location, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.location, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, location = EXCLUDED.location, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
    END IF;
  ELSE
    INSERT INTO public.ra_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.location, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, location = EXCLUDED.location, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_trainers s SET name = t.name, location = t.location, created_at = t.created_at, updated_at = t.updated_at, total_runners = t.total_runners, total_wins = t.total_wins, total_places = t.total_places, total_seconds = t.total_seconds, total_thirds = t.total_thirds, win_rate = t.win_rate, place_rate = t.place_rate, stats_updated_at = t.stats_updated_at, last_runner_date = t.last_runner_date, last_win_date = t.last_win_date, days_since_last_runner = t.days_since_last_runner, days_since_last_win = t.days_since_last_win, recent_14d_runs = t.recent_14d_runs, recent_14d_wins = t.recent_14d_wins, recent_14d_win_rate = t.recent_14d_win_rate, recent_30d_runs = t.recent_30d_runs, recent_30d_wins = t.recent_30d_wins, recent_30d_win_rate = t.recent_30d_win_rate FROM public.ra_trainers t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.location, s.created_at, s.updated_at, s.total_runners, s.total_wins, s.total_places, s.total_seconds, s.total_thirds, s.win_rate, s.place_rate, s.stats_updated_at, s.last_runner_date, s.last_win_date, s.days_since_last_runner, s.days_since_last_win, s.recent_14d_runs, s.recent_14d_wins, s.recent_14d_win_rate, s.recent_30d_runs, s.recent_30d_wins, s.recent_30d_win_rate)::text IS DISTINCT FROM ROW(t.id, t.name, t.location, t.created_at, t.updated_at, t.total_runners, t.total_wins, t.total_places, t.total_seconds, t.total_thirds, t.win_rate, t.place_rate, t.stats_updated_at, t.last_runner_date, t.last_win_date, t.days_since_last_runner, t.days_since_last_win, t.recent_14d_runs, t.recent_14d_wins, t.recent_14d_win_rate, t.recent_30d_runs, t.recent_30d_wins, t.recent_30d_win_rate)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 27: only the installer may use ra_migrate.reverse_write_ra_trainers
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_trainers() FROM PUBLIC;

-- Step 28: trigger function copying writes on ra_owners to ra_mst_owners
--   lock: none; touches: ra_mst_owners
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_owners() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_owners'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_owners only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_owners WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_horses, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.active_last_30d, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_owners SET id = NEW.id, name = NEW.name, created_at = NEW.created_at, updated_at = NEW.updated_at, total_horses = NEW.total_horses, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places = NEW.total_places, total_seconds = NEW.total_seconds, total_thirds = NEW.total_thirds, win_rate = NEW.win_rate, place_rate = NEW.place_rate, active_last_30d = NEW.active_last_30d, stats_updated_at = NEW.stats_updated_at, last_runner_date = NEW.last_runner_date, last_win_date = NEW.last_win_date, days_since_last_runner = NEW.days_since_last_runner, days_since_last_win = NEW.days_since_last_win, recent_14d_runs = NEW.recent_14d_runs, recent_14d_wins = NEW.recent_14d_wins, recent_14d_win_rate = NEW.recent_14d_win_rate, recent_30d_runs = NEW.recent_30d_runs, recent_30d_wins = NEW.recent_30d_wins, recent_30d_win_rate = NEW.recent_30d_win_rate WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_horses, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.active_last_30d, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_horses, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.active_last_30d, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_horses = EXCLUDED.total_horses, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, active_last_30d = EXCLUDED.active_last_30d, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_horses, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.active_last_30d, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_horses = EXCLUDED.total_horses, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, active_last_30d = EXCLUDED.active_last_30d, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 29: only the installer may use ra_migrate.dual_write_ra_owners
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_owners() FROM PUBLIC;

-- Step 30: trigger function copying writes made directly on ra_mst_owners back to ra_owners
--   lock: none; touches: ra_mst_owners, ra_owners
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_owners() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_owners'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_owners only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_owners WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_horses, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.active_last_30d, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_owners SET id = NEW.id, name = NEW.name, created_at = NEW.created_at, updated_at = NEW.updated_at, total_horses = NEW.total_horses, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places = NEW.total_places, total_seconds = NEW.total_seconds, total_thirds = NEW.total_thirds, win_rate = NEW.win_rate, place_rate = NEW.place_rate, active_last_30d = NEW.active_last_30d, stats_updated_at = NEW.stats_updated_at, last_runner_date = NEW.last_runner_date, last_win_date = NEW.last_win_date, days_since_last_runner = NEW.days_since_last_runner, days_since_last_win = NEW.days_since_last_win, recent_14d_runs = NEW.recent_14d_runs, recent_14d_wins = NEW.recent_14d_wins, recent_14d_win_rate = NEW.recent_14d_win_rate, recent_30d_runs = NEW.recent_30d_runs, recent_30d_wins = NEW.recent_30d_wins, recent_30d_win_rate = NEW.recent_30d_win_rate WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (OLD.id, OLD.name, OLD.created_at, OLD.updated_at, OLD.total_horses, OLD.total_runners, OLD.total_wins, OLD.total_places, OLD.total_seconds, OLD.total_thirds, OLD.win_rate, OLD.place_rate, OLD.active_last_30d, OLD.stats_updated_at, OLD.last_runner_date, OLD.last_win_date, OLD.days_since_last_runner, OLD.days_since_last_win, OLD.recent_14d_runs, OLD.recent_14d_wins, OLD.recent_14d_win_rate, OLD.recent_30d_runs, OLD.recent_30d_wins, OLD.recent_30d_win_rate) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_horses, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.active_last_30d, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_horses = EXCLUDED.total_horses, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, active_last_30d = EXCLUDED.active_last_30d, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
    END IF;
  ELSE
    INSERT INTO public.ra_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) VALUES (NEW.id, NEW.name, NEW.created_at, NEW.updated_at, NEW.total_horses, NEW.total_runners, NEW.total_wins, NEW.total_places, NEW.total_seconds, NEW.total_thirds, NEW.win_rate, NEW.place_rate, NEW.active_last_30d, NEW.stats_updated_at, NEW.last_runner_date, NEW.last_win_date, NEW.days_since_last_runner, NEW.days_since_last_win, NEW.recent_14d_runs, NEW.recent_14d_wins, NEW.recent_14d_win_rate, NEW.recent_30d_runs, NEW.recent_30d_wins, NEW.recent_30d_win_rate) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_horses = EXCLUDED.total_horses, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, active_last_30d = EXCLUDED.active_last_30d, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_owners s SET name = t.name, created_at = t.created_at, updated_at = t.updated_at, total_horses = t.total_horses, total_runners = t.total_runners, total_wins = t.total_wins, total_places = t.total_places, total_seconds = t.total_seconds, total_thirds = t.total_thirds, win_rate = t.win_rate, place_rate = t.place_rate, active_last_30d = t.active_last_30d, stats_updated_at = t.stats_updated_at, last_runner_date = t.last_runner_date, last_win_date = t.last_win_date, days_since_last_runner = t.days_since_last_runner, days_since_last_win = t.days_since_last_win, recent_14d_runs = t.recent_14d_runs, recent_14d_wins = t.recent_14d_wins, recent_14d_win_rate = t.recent_14d_win_rate, recent_30d_runs = t.recent_30d_runs, recent_30d_wins = t.recent_30d_wins, recent_30d_win_rate = t.recent_30d_win_rate FROM public.ra_owners t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.created_at, s.updated_at, s.total_horses, s.total_runners, s.total_wins, s.total_places, s.total_seconds, s.total_thirds, s.win_rate, s.place_rate, s.active_last_30d, s.stats_updated_at, s.last_runner_date, s.last_win_date, s.days_since_last_runner, s.days_since_last_win, s.recent_14d_runs, s.recent_14d_wins, s.recent_14d_win_rate, s.recent_30d_runs, s.recent_30d_wins, s.recent_30d_win_rate)::text IS DISTINCT FROM ROW(t.id, t.name, t.created_at, t.updated_at, t.total_horses, t.total_runners, t.total_wins, t.total_places, t.total_seconds, t.total_thirds, t.win_rate, t.place_rate, t.active_last_30d, t.stats_updated_at, t.last_runner_date, t.last_win_date, t.days_since_last_runner, t.days_since_last_win, t.recent_14d_runs, t.recent_14d_wins, t.recent_14d_win_rate, t.recent_30d_runs, t.recent_30d_wins, t.recent_30d_win_rate)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 31: only the installer may use ra_migrate.reverse_write_ra_owners
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_owners() FROM PUBLIC;

-- Step 32: trigger function copying writes on ra_sires to ra_mst_sires
--   lock: none; touches: ra_mst_sires
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_sires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_sires'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_sires only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_sires WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_sires SET id = NEW.id, name = NEW.name, horse_id = NEW.horse_id, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places_2nd = NEW.total_places_2nd, total_places_3rd = NEW.total_places_3rd, overall_win_percent = NEW.overall_win_percent, overall_ae_index = NEW.overall_ae_index, best_class = NEW.best_class, best_class_ae = NEW.best_class_ae, best_distance = NEW.best_distance, best_distance_ae = NEW.best_distance_ae, analysis_last_updated = NEW.analysis_last_updated, data_quality_score = NEW.data_quality_score, class_1_name = NEW.class_1_name, class_1_runners = NEW.class_1_runners, class_1_wins = NEW.class_1_wins, class_1_win_percent = NEW.class_1_win_percent, class_1_ae = NEW.class_1_ae, class_2_name = NEW.class_2_name, class_2_runners = NEW.class_2_runners, class_2_wins = NEW.class_2_wins, class_2_win_percent = NEW.class_2_win_percent, class_2_ae = NEW.class_2_ae, class_3_name = NEW.class_3_name, class_3_runners = NEW.class_3_runners, class_3_wins = NEW.class_3_wins, class_3_win_percent = NEW.class_3_win_percent, class_3_ae = NEW.class_3_ae, distance_1_name = NEW.distance_1_name, distance_1_runners = NEW.distance_1_runners, distance_1_wins = NEW.distance_1_wins, distance_1_win_percent = NEW.distance_1_win_percent, distance_1_ae = NEW.distance_1_ae, distance_2_name = NEW.distance_2_name, distance_2_runners = NEW.distance_2_runners, distance_2_wins = NEW.distance_2_wins, distance_2_win_percent = NEW.distance_2_win_percent, distance_2_ae = NEW.distance_2_ae, distance_3_name = NEW.distance_3_name, distance_3_runners = NEW.distance_3_runners, distance_3_wins = NEW.distance_3_wins, distance_3_win_percent = NEW.distance_3_win_percent, distance_3_ae = NEW.distance_3_ae WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 33: only the installer may use ra_migrate.dual_write_ra_sires
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_sires() FROM PUBLIC;

-- Step 34: trigger function copying writes made directly on ra_mst_sires back to ra_sires
--   lock: none; touches: ra_mst_sires, ra_sires
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_sires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_sires'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_sires only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_sires WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_sires SET id = NEW.id, name = NEW.name, horse_id = NEW.horse_id, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places_2nd = NEW.total_places_2nd, total_places_3rd = NEW.total_places_3rd, overall_win_percent = NEW.overall_win_percent, overall_ae_index = NEW.overall_ae_index, best_class = NEW.best_class, best_class_ae = NEW.best_class_ae, best_distance = NEW.best_distance, best_distance_ae = NEW.best_distance_ae, analysis_last_updated = NEW.analysis_last_updated, data_quality_score = NEW.data_quality_score, class_1_name = NEW.class_1_name, class_1_runners = NEW.class_1_runners, class_1_wins = NEW.class_1_wins, class_1_win_percent = NEW.class_1_win_percent, class_1_ae = NEW.class_1_ae, class_2_name = NEW.class_2_name, class_2_runners = NEW.class_2_runners, class_2_wins = NEW.class_2_wins, class_2_win_percent = NEW.class_2_win_percent, class_2_ae = NEW.class_2_ae, class_3_name = NEW.class_3_name, class_3_runners = NEW.class_3_runners, class_3_wins = NEW.class_3_wins, class_3_win_percent = NEW.class_3_win_percent, class_3_ae = NEW.class_3_ae, distance_1_name = NEW.distance_1_name, distance_1_runners = NEW.distance_1_runners, distance_1_wins = NEW.distance_1_wins, distance_1_win_percent = NEW.distance_1_win_percent, distance_1_ae = NEW.distance_1_ae, distance_2_name = NEW.distance_2_name, distance_2_runners = NEW.distance_2_runners, distance_2_wins = NEW.distance_2_wins, distance_2_win_percent = NEW.distance_2_win_percent, distance_2_ae = NEW.distance_2_ae, distance_3_name = NEW.distance_3_name, distance_3_runners = NEW.distance_3_runners, distance_3_wins = NEW.distance_3_wins, distance_3_win_percent = NEW.distance_3_win_percent, distance_3_ae = NEW.distance_3_ae WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
    END IF;
  ELSE
    INSERT INTO public.ra_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_sires s SET name = t.name, horse_id = t.horse_id, created_at = t.created_at, updated_at = t.updated_at, total_runners = t.total_runners, total_wins = t.total_wins, total_places_2nd = t.total_places_2nd, total_places_3rd = t.total_places_3rd, overall_win_percent = t.overall_win_percent, overall_ae_index = t.overall_ae_index, best_class = t.best_class, best_class_ae = t.best_class_ae, best_distance = t.best_distance, best_distance_ae = t.best_distance_ae, analysis_last_updated = t.analysis_last_updated, data_quality_score = t.data_quality_score, class_1_name = t.class_1_name, class_1_runners = t.class_1_runners, class_1_wins = t.class_1_wins, class_1_win_percent = t.class_1_win_percent, class_1_ae = t.class_1_ae, class_2_name = t.class_2_name, class_2_runners = t.class_2_runners, class_2_wins = t.class_2_wins, class_2_win_percent = t.class_2_win_percent, class_2_ae = t.class_2_ae, class_3_name = t.class_3_name, class_3_runners = t.class_3_runners, class_3_wins = t.class_3_wins, class_3_win_percent = t.class_3_win_percent, class_3_ae = t.class_3_ae, distance_1_name = t.distance_1_name, distance_1_runners = t.distance_1_runners, distance_1_wins = t.distance_1_wins, distance_1_win_percent = t.distance_1_win_percent, distance_1_ae = t.distance_1_ae, distance_2_name = t.distance_2_name, distance_2_runners = t.distance_2_runners, distance_2_wins = t.distance_2_wins, distance_2_win_percent = t.distance_2_win_percent, distance_2_ae = t.distance_2_ae, distance_3_name = t.distance_3_name, distance_3_runners = t.distance_3_runners, distance_3_wins = t.distance_3_wins, distance_3_win_percent = t.distance_3_win_percent, distance_3_ae = t.distance_3_ae FROM public.ra_sires t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.horse_id, s.created_at, s.updated_at, s.total_runners, s.total_wins, s.total_places_2nd, s.total_places_3rd, s.overall_win_percent, s.overall_ae_index, s.best_class, s.best_class_ae, s.best_distance, s.best_distance_ae, s.analysis_last_updated, s.data_quality_score, s.class_1_name, s.class_1_runners, s.class_1_wins, s.class_1_win_percent, s.class_1_ae, s.class_2_name, s.class_2_runners, s.class_2_wins, s.class_2_win_percent, s.class_2_ae, s.class_3_name, s.class_3_runners, s.class_3_wins, s.class_3_win_percent, s.class_3_ae, s.distance_1_name, s.distance_1_runners, s.distance_1_wins, s.distance_1_win_percent, s.distance_1_ae, s.distance_2_name, s.distance_2_runners, s.distance_2_wins, s.distance_2_win_percent, s.distance_2_ae, s.distance_3_name, s.distance_3_runners, s.distance_3_wins, s.distance_3_win_percent, s.distance_3_ae)::text IS DISTINCT FROM ROW(t.id, t.name, t.horse_id, t.created_at, t.updated_at, t.total_runners, t.total_wins, t.total_places_2nd, t.total_places_3rd, t.overall_win_percent, t.overall_ae_index, t.best_class, t.best_class_ae, t.best_distance, t.best_distance_ae, t.analysis_last_updated, t.data_quality_score, t.class_1_name, t.class_1_runners, t.class_1_wins, t.class_1_win_percent, t.class_1_ae, t.class_2_name, t.class_2_runners, t.class_2_wins, t.class_2_win_percent, t.class_2_ae, t.class_3_name, t.class_3_runners, t.class_3_wins, t.class_3_win_percent, t.class_3_ae, t.distance_1_name, t.distance_1_runners, t.distance_1_wins, t.distance_1_win_percent, t.distance_1_ae, t.distance_2_name, t.distance_2_runners, t.distance_2_wins, t.distance_2_win_percent, t.distance_2_ae, t.distance_3_name, t.distance_3_runners, t.distance_3_wins, t.distance_3_win_percent, t.distance_3_ae)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 35: only the installer may use ra_migrate.reverse_write_ra_sires
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_sires() FROM PUBLIC;

-- Step 36: trigger function copying writes on ra_dams to ra_mst_dams
--   lock: none; touches: ra_mst_dams
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_dams() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_dams'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_dams only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_dams WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_dams SET id = NEW.id, name = NEW.name, horse_id = NEW.horse_id, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places_2nd = NEW.total_places_2nd, total_places_3rd = NEW.total_places_3rd, overall_win_percent = NEW.overall_win_percent, overall_ae_index = NEW.overall_ae_index, best_class = NEW.best_class, best_class_ae = NEW.best_class_ae, best_distance = NEW.best_distance, best_distance_ae = NEW.best_distance_ae, analysis_last_updated = NEW.analysis_last_updated, data_quality_score = NEW.data_quality_score, class_1_name = NEW.class_1_name, class_1_runners = NEW.class_1_runners, class_1_wins = NEW.class_1_wins, class_1_win_percent = NEW.class_1_win_percent, class_1_ae = NEW.class_1_ae, class_2_name = NEW.class_2_name, class_2_runners = NEW.class_2_runners, class_2_wins = NEW.class_2_wins, class_2_win_percent = NEW.class_2_win_percent, class_2_ae = NEW.class_2_ae, class_3_name = NEW.class_3_name, class_3_runners = NEW.class_3_runners, class_3_wins = NEW.class_3_wins, class_3_win_percent = NEW.class_3_win_percent, class_3_ae = NEW.class_3_ae, distance_1_name = NEW.distance_1_name, distance_1_runners = NEW.distance_1_runners, distance_1_wins = NEW.distance_1_wins, distance_1_win_percent = NEW.distance_1_win_percent, distance_1_ae = NEW.distance_1_ae, distance_2_name = NEW.distance_2_name, distance_2_runners = NEW.distance_2_runners, distance_2_wins = NEW.distance_2_wins, distance_2_win_percent = NEW.distance_2_win_percent, distance_2_ae = NEW.distance_2_ae, distance_3_name = NEW.distance_3_name, distance_3_runners = NEW.distance_3_runners, distance_3_wins = NEW.distance_3_wins, distance_3_win_percent = NEW.distance_3_win_percent, distance_3_ae = NEW.distance_3_ae WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 37: only the installer may use ra_migrate.dual_write_ra_dams
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_dams() FROM PUBLIC;

-- Step 38: trigger function copying writes made directly on ra_mst_dams back to ra_dams
--   lock: none; touches: ra_dams, ra_mst_dams
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_dams() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_dams'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_dams only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_dams WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_dams SET id = NEW.id, name = NEW.name, horse_id = NEW.horse_id, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places_2nd = NEW.total_places_2nd, total_places_3rd = NEW.total_places_3rd, overall_win_percent = NEW.overall_win_percent, overall_ae_index = NEW.overall_ae_index, best_class = NEW.best_class, best_class_ae = NEW.best_class_ae, best_distance = NEW.best_distance, best_distance_ae = NEW.best_distance_ae, analysis_last_updated = NEW.analysis_last_updated, data_quality_score = NEW.data_quality_score, class_1_name = NEW.class_1_name, class_1_runners = NEW.class_1_runners, class_1_wins = NEW.class_1_wins, class_1_win_percent = NEW.class_1_win_percent, class_1_ae = NEW.class_1_ae, class_2_name = NEW.class_2_name, class_2_runners = NEW.class_2_runners, class_2_wins = NEW.class_2_wins, class_2_win_percent = NEW.class_2_win_percent, class_2_ae = NEW.class_2_ae, class_3_name = NEW.class_3_name, class_3_runners = NEW.class_3_runners, class_3_wins = NEW.class_3_wins, class_3_win_percent = NEW.class_3_win_percent, class_3_ae = NEW.class_3_ae, distance_1_name = NEW.distance_1_name, distance_1_runners = NEW.distance_1_runners, distance_1_wins = NEW.distance_1_wins, distance_1_win_percent = NEW.distance_1_win_percent, distance_1_ae = NEW.distance_1_ae, distance_2_name = NEW.distance_2_name, distance_2_runners = NEW.distance_2_runners, distance_2_wins = NEW.distance_2_wins, distance_2_win_percent = NEW.distance_2_win_percent, distance_2_ae = NEW.distance_2_ae, distance_3_name = NEW.distance_3_name, distance_3_runners = NEW.distance_3_runners, distance_3_wins = NEW.distance_3_wins, distance_3_win_percent = NEW.distance_3_win_percent, distance_3_ae = NEW.distance_3_ae WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
    END IF;
  ELSE
    INSERT INTO public.ra_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_dams s SET name = t.name, horse_id = t.horse_id, created_at = t.created_at, updated_at = t.updated_at, total_runners = t.total_runners, total_wins = t.total_wins, total_places_2nd = t.total_places_2nd, total_places_3rd = t.total_places_3rd, overall_win_percent = t.overall_win_percent, overall_ae_index = t.overall_ae_index, best_class = t.best_class, best_class_ae = t.best_class_ae, best_distance = t.best_distance, best_distance_ae = t.best_distance_ae, analysis_last_updated = t.analysis_last_updated, data_quality_score = t.data_quality_score, class_1_name = t.class_1_name, class_1_runners = t.class_1_runners, class_1_wins = t.class_1_wins, class_1_win_percent = t.class_1_win_percent, class_1_ae = t.class_1_ae, class_2_name = t.class_2_name, class_2_runners = t.class_2_runners, class_2_wins = t.class_2_wins, class_2_win_percent = t.class_2_win_percent, class_2_ae = t.class_2_ae, class_3_name = t.class_3_name, class_3_runners = t.class_3_runners, class_3_wins = t.class_3_wins, class_3_win_percent = t.class_3_win_percent, class_3_ae = t.class_3_ae, distance_1_name = t.distance_1_name, distance_1_runners = t.distance_1_runners, distance_1_wins = t.distance_1_wins, distance_1_win_percent = t.distance_1_win_percent, distance_1_ae = t.distance_1_ae, distance_2_name = t.distance_2_name, distance_2_runners = t.distance_2_runners, distance_2_wins = t.distance_2_wins, distance_2_win_percent = t.distance_2_win_percent, distance_2_ae = t.distance_2_ae, distance_3_name = t.distance_3_name, distance_3_runners = t.distance_3_runners, distance_3_wins = t.distance_3_wins, distance_3_win_percent = t.distance_3_win_percent, distance_3_ae = t.distance_3_ae FROM public.ra_dams t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.horse_id, s.created_at, s.updated_at, s.total_runners, s.total_wins, s.total_places_2nd, s.total_places_3rd, s.overall_win_percent, s.overall_ae_index, s.best_class, s.best_class_ae, s.best_distance, s.best_distance_ae, s.analysis_last_updated, s.data_quality_score, s.class_1_name, s.class_1_runners, s.class_1_wins, s.class_1_win_percent, s.class_1_ae, s.class_2_name, s.class_2_runners, s.class_2_wins, s.class_2_win_percent, s.class_2_ae, s.class_3_name, s.class_3_runners, s.class_3_wins, s.class_3_win_percent, s.class_3_ae, s.distance_1_name, s.distance_1_runners, s.distance_1_wins, s.distance_1_win_percent, s.distance_1_ae, s.distance_2_name, s.distance_2_runners, s.distance_2_wins, s.distance_2_win_percent, s.distance_2_ae, s.distance_3_name, s.distance_3_runners, s.distance_3_wins, s.distance_3_win_percent, s.distance_3_ae)::text IS DISTINCT FROM ROW(t.id, t.name, t.horse_id, t.created_at, t.updated_at, t.total_runners, t.total_wins, t.total_places_2nd, t.total_places_3rd, t.overall_win_percent, t.overall_ae_index, t.best_class, t.best_class_ae, t.best_distance, t.best_distance_ae, t.analysis_last_updated, t.data_quality_score, t.class_1_name, t.class_1_runners, t.class_1_wins, t.class_1_win_percent, t.class_1_ae, t.class_2_name, t.class_2_runners, t.class_2_wins, t.class_2_win_percent, t.class_2_ae, t.class_3_name, t.class_3_runners, t.class_3_wins, t.class_3_win_percent, t.class_3_ae, t.distance_1_name, t.distance_1_runners, t.distance_1_wins, t.distance_1_win_percent, t.distance_1_ae, t.distance_2_name, t.distance_2_runners, t.distance_2_wins, t.distance_2_win_percent, t.distance_2_ae, t.distance_3_name, t.distance_3_runners, t.distance_3_wins, t.distance_3_win_percent, t.distance_3_ae)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 39: only the installer may use ra_migrate.reverse_write_ra_dams
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_dams() FROM PUBLIC;

-- Step 40: trigger function copying writes on ra_damsires to ra_mst_damsires
--   lock: none; touches: ra_mst_damsires
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_damsires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_damsires'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_damsires only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_damsires WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_damsires SET id = NEW.id, name = NEW.name, horse_id = NEW.horse_id, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places_2nd = NEW.total_places_2nd, total_places_3rd = NEW.total_places_3rd, overall_win_percent = NEW.overall_win_percent, overall_ae_index = NEW.overall_ae_index, best_class = NEW.best_class, best_class_ae = NEW.best_class_ae, best_distance = NEW.best_distance, best_distance_ae = NEW.best_distance_ae, analysis_last_updated = NEW.analysis_last_updated, data_quality_score = NEW.data_quality_score, class_1_name = NEW.class_1_name, class_1_runners = NEW.class_1_runners, class_1_wins = NEW.class_1_wins, class_1_win_percent = NEW.class_1_win_percent, class_1_ae = NEW.class_1_ae, class_2_name = NEW.class_2_name, class_2_runners = NEW.class_2_runners, class_2_wins = NEW.class_2_wins, class_2_win_percent = NEW.class_2_win_percent, class_2_ae = NEW.class_2_ae, class_3_name = NEW.class_3_name, class_3_runners = NEW.class_3_runners, class_3_wins = NEW.class_3_wins, class_3_win_percent = NEW.class_3_win_percent, class_3_ae = NEW.class_3_ae, distance_1_name = NEW.distance_1_name, distance_1_runners = NEW.distance_1_runners, distance_1_wins = NEW.distance_1_wins, distance_1_win_percent = NEW.distance_1_win_percent, distance_1_ae = NEW.distance_1_ae, distance_2_name = NEW.distance_2_name, distance_2_runners = NEW.distance_2_runners, distance_2_wins = NEW.distance_2_wins, distance_2_win_percent = NEW.distance_2_win_percent, distance_2_ae = NEW.distance_2_ae, distance_3_name = NEW.distance_3_name, distance_3_runners = NEW.distance_3_runners, distance_3_wins = NEW.distance_3_wins, distance_3_win_percent = NEW.distance_3_win_percent, distance_3_ae = NEW.distance_3_ae WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
    END IF;
  ELSE
    INSERT INTO public.ra_mst_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 41: only the installer may use ra_migrate.dual_write_ra_damsires
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_damsires() FROM PUBLIC;

-- Step 42: trigger function copying writes made directly on ra_mst_damsires back to ra_damsires
--   lock: none; touches: ra_damsires, ra_mst_damsires
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_damsires() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_damsires'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_damsires only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_damsires WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_damsires SET id = NEW.id, name = NEW.name, horse_id = NEW.horse_id, created_at = NEW.created_at, updated_at = NEW.updated_at, total_runners = NEW.total_runners, total_wins = NEW.total_wins, total_places_2nd = NEW.total_places_2nd, total_places_3rd = NEW.total_places_3rd, overall_win_percent = NEW.overall_win_percent, overall_ae_index = NEW.overall_ae_index, best_class = NEW.best_class, best_class_ae = NEW.best_class_ae, best_distance = NEW.best_distance, best_distance_ae = NEW.best_distance_ae, analysis_last_updated = NEW.analysis_last_updated, data_quality_score = NEW.data_quality_score, class_1_name = NEW.class_1_name, class_1_runners = NEW.class_1_runners, class_1_wins = NEW.class_1_wins, class_1_win_percent = NEW.class_1_win_percent, class_1_ae = NEW.class_1_ae, class_2_name = NEW.class_2_name, class_2_runners = NEW.class_2_runners, class_2_wins = NEW.class_2_wins, class_2_win_percent = NEW.class_2_win_percent, class_2_ae = NEW.class_2_ae, class_3_name = NEW.class_3_name, class_3_runners = NEW.class_3_runners, class_3_wins = NEW.class_3_wins, class_3_win_percent = NEW.class_3_win_percent, class_3_ae = NEW.class_3_ae, distance_1_name = NEW.distance_1_name, distance_1_runners = NEW.distance_1_runners, distance_1_wins = NEW.distance_1_wins, distance_1_win_percent = NEW.distance_1_win_percent, distance_1_ae = NEW.distance_1_ae, distance_2_name = NEW.distance_2_name, distance_2_runners = NEW.distance_2_runners, distance_2_wins = NEW.distance_2_wins, distance_2_win_percent = NEW.distance_2_win_percent, distance_2_ae = NEW.distance_2_ae, distance_3_name = NEW.distance_3_name, distance_3_runners = NEW.distance_3_runners, distance_3_wins = NEW.distance_3_wins, distance_3_win_percent = NEW.distance_3_win_percent, distance_3_ae = NEW.distance_3_ae WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (OLD.id, OLD.name, OLD.horse_id, OLD.created_at, OLD.updated_at, OLD.total_runners, OLD.total_wins, OLD.total_places_2nd, OLD.total_places_3rd, OLD.overall_win_percent, OLD.overall_ae_index, OLD.best_class, OLD.best_class_ae, OLD.best_distance, OLD.best_distance_ae, OLD.analysis_last_updated, OLD.data_quality_score, OLD.class_1_name, OLD.class_1_runners, OLD.class_1_wins, OLD.class_1_win_percent, OLD.class_1_ae, OLD.class_2_name, OLD.class_2_runners, OLD.class_2_wins, OLD.class_2_win_percent, OLD.class_2_ae, OLD.class_3_name, OLD.class_3_runners, OLD.class_3_wins, OLD.class_3_win_percent, OLD.class_3_ae, OLD.distance_1_name, OLD.distance_1_runners, OLD.distance_1_wins, OLD.distance_1_win_percent, OLD.distance_1_ae, OLD.distance_2_name, OLD.distance_2_runners, OLD.distance_2_wins, OLD.distance_2_win_percent, OLD.distance_2_ae, OLD.distance_3_name, OLD.distance_3_runners, OLD.distance_3_wins, OLD.distance_3_win_percent, OLD.distance_3_ae) ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
    END IF;
  ELSE
    INSERT INTO public.ra_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) VALUES (NEW.id, NEW.name, NEW.horse_id, NEW.created_at, NEW.updated_at, NEW.total_runners, NEW.total_wins, NEW.total_places_2nd, NEW.total_places_3rd, NEW.overall_win_percent, NEW.overall_ae_index, NEW.best_class, NEW.best_class_ae, NEW.best_distance, NEW.best_distance_ae, NEW.analysis_last_updated, NEW.data_quality_score, NEW.class_1_name, NEW.class_1_runners, NEW.class_1_wins, NEW.class_1_win_percent, NEW.class_1_ae, NEW.class_2_name, NEW.class_2_runners, NEW.class_2_wins, NEW.class_2_win_percent, NEW.class_2_ae, NEW.class_3_name, NEW.class_3_runners, NEW.class_3_wins, NEW.class_3_win_percent, NEW.class_3_ae, NEW.distance_1_name, NEW.distance_1_runners, NEW.distance_1_wins, NEW.distance_1_win_percent, NEW.distance_1_ae, NEW.distance_2_name, NEW.distance_2_runners, NEW.distance_2_wins, NEW.distance_2_win_percent, NEW.distance_2_ae, NEW.distance_3_name, NEW.distance_3_runners, NEW.distance_3_wins, NEW.distance_3_win_percent, NEW.distance_3_ae) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_damsires s SET name = t.name, horse_id = t.horse_id, created_at = t.created_at, updated_at = t.updated_at, total_runners = t.total_runners, total_wins = t.total_wins, total_places_2nd = t.total_places_2nd, total_places_3rd = t.total_places_3rd, overall_win_percent = t.overall_win_percent, overall_ae_index = t.overall_ae_index, best_class = t.best_class, best_class_ae = t.best_class_ae, best_distance = t.best_distance, best_distance_ae = t.best_distance_ae, analysis_last_updated = t.analysis_last_updated, data_quality_score = t.data_quality_score, class_1_name = t.class_1_name, class_1_runners = t.class_1_runners, class_1_wins = t.class_1_wins, class_1_win_percent = t.class_1_win_percent, class_1_ae = t.class_1_ae, class_2_name = t.class_2_name, class_2_runners = t.class_2_runners, class_2_wins = t.class_2_wins, class_2_win_percent = t.class_2_win_percent, class_2_ae = t.class_2_ae, class_3_name = t.class_3_name, class_3_runners = t.class_3_runners, class_3_wins = t.class_3_wins, class_3_win_percent = t.class_3_win_percent, class_3_ae = t.class_3_ae, distance_1_name = t.distance_1_name, distance_1_runners = t.distance_1_runners, distance_1_wins = t.distance_1_wins, distance_1_win_percent = t.distance_1_win_percent, distance_1_ae = t.distance_1_ae, distance_2_name = t.distance_2_name, distance_2_runners = t.distance_2_runners, distance_2_wins = t.distance_2_wins, distance_2_win_percent = t.distance_2_win_percent, distance_2_ae = t.distance_2_ae, distance_3_name = t.distance_3_name, distance_3_runners = t.distance_3_runners, distance_3_wins = t.distance_3_wins, distance_3_win_percent = t.distance_3_win_percent, distance_3_ae = t.distance_3_ae FROM public.ra_damsires t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.name, s.horse_id, s.created_at, s.updated_at, s.total_runners, s.total_wins, s.total_places_2nd, s.total_places_3rd, s.overall_win_percent, s.overall_ae_index, s.best_class, s.best_class_ae, s.best_distance, s.best_distance_ae, s.analysis_last_updated, s.data_quality_score, s.class_1_name, s.class_1_runners, s.class_1_wins, s.class_1_win_percent, s.class_1_ae, s.class_2_name, s.class_2_runners, s.class_2_wins, s.class_2_win_percent, s.class_2_ae, s.class_3_name, s.class_3_runners, s.class_3_wins, s.class_3_win_percent, s.class_3_ae, s.distance_1_name, s.distance_1_runners, s.distance_1_wins, s.distance_1_win_percent, s.distance_1_ae, s.distance_2_name, s.distance_2_runners, s.distance_2_wins, s.distance_2_win_percent, s.distance_2_ae, s.distance_3_name, s.distance_3_runners, s.distance_3_wins, s.distance_3_win_percent, s.distance_3_ae)::text IS DISTINCT FROM ROW(t.id, t.name, t.horse_id, t.created_at, t.updated_at, t.total_runners, t.total_wins, t.total_places_2nd, t.total_places_3rd, t.overall_win_percent, t.overall_ae_index, t.best_class, t.best_class_ae, t.best_distance, t.best_distance_ae, t.analysis_last_updated, t.data_quality_score, t.class_1_name, t.class_1_runners, t.class_1_wins, t.class_1_win_percent, t.class_1_ae, t.class_2_name, t.class_2_runners, t.class_2_wins, t.class_2_win_percent, t.class_2_ae, t.class_3_name, t.class_3_runners, t.class_3_wins, t.class_3_win_percent, t.class_3_ae, t.distance_1_name, t.distance_1_runners, t.distance_1_wins, t.distance_1_win_percent, t.distance_1_ae, t.distance_2_name, t.distance_2_runners, t.distance_2_wins, t.distance_2_win_percent, t.distance_2_ae, t.distance_3_name, t.distance_3_runners, t.distance_3_wins, t.distance_3_win_percent, t.distance_3_ae)::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 43: only the installer may use ra_migrate.reverse_write_ra_damsires
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_damsires() FROM PUBLIC;

-- Step 44: trigger function copying writes on ra_races to ra_mst_races
--   lock: none; touches: ra_mst_races
CREATE OR REPLACE FUNCTION ra_migrate.dual_write_ra_races() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_races'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_races only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_mst_races WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_mst_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (OLD.id, OLD.course_id, OLD.course_name, OLD.date, OLD.off_time, OLD.off_dt, OLD.race_name, OLD.race_number, OLD.distance, OLD.distance_round, OLD.distance_f, OLD.distance_m, OLD.region, OLD.type, OLD.surface, OLD.going, OLD.going_detailed, OLD.pattern, OLD.race_class, OLD.age_band, OLD.sex_restriction, OLD.rating_band, OLD.prize, OLD.field_size, OLD.stalls, OLD.rail_movements, OLD.weather, OLD.jumps, OLD.is_big_race, OLD.is_abandoned, OLD.has_result, OLD.winning_time, OLD.winning_time_detail, OLD.comments, OLD.non_runners, OLD.tote_win, OLD.tote_pl, OLD.tote_ex, OLD.tote_csf, OLD.tote_tricast, OLD.tote_trifecta, OLD.tip, OLD.verdict, OLD.betting_forecast, OLD.meet_id, OLD.created_at, OLD.updated_at, OLD."time") ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_mst_races SET id = NEW.id, course_id = NEW.course_id, course_name = NEW.course_name, date = NEW.date, off_time = NEW.off_time, off_dt = NEW.off_dt, race_name = NEW.race_name, race_number = NEW.race_number, distance = NEW.distance, distance_round = NEW.distance_round, distance_f = NEW.distance_f, distance_m = NEW.distance_m, region = NEW.region, type = NEW.type, surface = NEW.surface, going = NEW.going, going_detailed = NEW.going_detailed, pattern = NEW.pattern, race_class = NEW.race_class, age_band = NEW.age_band, sex_restriction = NEW.sex_restriction, rating_band = NEW.rating_band, prize = NEW.prize, field_size = NEW.field_size, stalls = NEW.stalls, rail_movements = NEW.rail_movements, weather = NEW.weather, jumps = NEW.jumps, is_big_race = NEW.is_big_race, is_abandoned = NEW.is_abandoned, has_result = NEW.has_result, winning_time = NEW.winning_time, winning_time_detail = NEW.winning_time_detail, comments = NEW.comments, non_runners = NEW.non_runners, tote_win = NEW.tote_win, tote_pl = NEW.tote_pl, tote_ex = NEW.tote_ex, tote_csf = NEW.tote_csf, tote_tricast = NEW.tote_tricast, tote_trifecta = NEW.tote_trifecta, tip = NEW.tip, verdict = NEW.verdict, betting_forecast = NEW.betting_forecast, meet_id = NEW.meet_id, created_at = NEW.created_at, updated_at = NEW.updated_at, "time" = NEW."time" WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_mst_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (OLD.id, OLD.course_id, OLD.course_name, OLD.date, OLD.off_time, OLD.off_dt, OLD.race_name, OLD.race_number, OLD.distance, OLD.distance_round, OLD.distance_f, OLD.distance_m, OLD.region, OLD.type, OLD.surface, OLD.going, OLD.going_detailed, OLD.pattern, OLD.race_class, OLD.age_band, OLD.sex_restriction, OLD.rating_band, OLD.prize, OLD.field_size, OLD.stalls, OLD.rail_movements, OLD.weather, OLD.jumps, OLD.is_big_race, OLD.is_abandoned, OLD.has_result, OLD.winning_time, OLD.winning_time_detail, OLD.comments, OLD.non_runners, OLD.tote_win, OLD.tote_pl, OLD.tote_ex, OLD.tote_csf, OLD.tote_tricast, OLD.tote_trifecta, OLD.tip, OLD.verdict, OLD.betting_forecast, OLD.meet_id, OLD.created_at, OLD.updated_at, OLD."time") ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_mst_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (NEW.id, NEW.course_id, NEW.course_name, NEW.date, NEW.off_time, NEW.off_dt, NEW.race_name, NEW.race_number, NEW.distance, NEW.distance_round, NEW.distance_f, NEW.distance_m, NEW.region, NEW.type, NEW.surface, NEW.going, NEW.going_detailed, NEW.pattern, NEW.race_class, NEW.age_band, NEW.sex_restriction, NEW.rating_band, NEW.prize, NEW.field_size, NEW.stalls, NEW.rail_movements, NEW.weather, NEW.jumps, NEW.is_big_race, NEW.is_abandoned, NEW.has_result, NEW.winning_time, NEW.winning_time_detail, NEW.comments, NEW.non_runners, NEW.tote_win, NEW.tote_pl, NEW.tote_ex, NEW.tote_csf, NEW.tote_tricast, NEW.tote_trifecta, NEW.tip, NEW.verdict, NEW.betting_forecast, NEW.meet_id, NEW.created_at, NEW.updated_at, NEW."time") ON CONFLICT (id) DO UPDATE SET course_id = EXCLUDED.course_id, course_name = EXCLUDED.course_name, date = EXCLUDED.date, off_time = EXCLUDED.off_time, off_dt = EXCLUDED.off_dt, race_name = EXCLUDED.race_name, race_number = EXCLUDED.race_number, distance = EXCLUDED.distance, distance_round = EXCLUDED.distance_round, distance_f = EXCLUDED.distance_f, distance_m = EXCLUDED.distance_m, region = EXCLUDED.region, type = EXCLUDED.type, surface = EXCLUDED.surface, going = EXCLUDED.going, going_detailed = EXCLUDED.going_detailed, pattern = EXCLUDED.pattern, race_class = EXCLUDED.race_class, age_band = EXCLUDED.age_band, sex_restriction = EXCLUDED.sex_restriction, rating_band = EXCLUDED.rating_band, prize = EXCLUDED.prize, field_size = EXCLUDED.field_size, stalls = EXCLUDED.stalls, rail_movements = EXCLUDED.rail_movements, weather = EXCLUDED.weather, jumps = EXCLUDED.jumps, is_big_race = EXCLUDED.is_big_race, is_abandoned = EXCLUDED.is_abandoned, has_result = EXCLUDED.has_result, winning_time = EXCLUDED.winning_time, winning_time_detail = EXCLUDED.winning_time_detail, comments = EXCLUDED.comments, non_runners = EXCLUDED.non_runners, tote_win = EXCLUDED.tote_win, tote_pl = EXCLUDED.tote_pl, tote_ex = EXCLUDED.tote_ex, tote_csf = EXCLUDED.tote_csf, tote_tricast = EXCLUDED.tote_tricast, tote_trifecta = EXCLUDED.tote_trifecta, tip = EXCLUDED.tip, verdict = EXCLUDED.verdict, betting_forecast = EXCLUDED.betting_forecast, meet_id = EXCLUDED.meet_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "time" = EXCLUDED."time";
    END IF;
  ELSE
    INSERT INTO public.ra_mst_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (NEW.id, NEW.course_id, NEW.course_name, NEW.date, NEW.off_time, NEW.off_dt, NEW.race_name, NEW.race_number, NEW.distance, NEW.distance_round, NEW.distance_f, NEW.distance_m, NEW.region, NEW.type, NEW.surface, NEW.going, NEW.going_detailed, NEW.pattern, NEW.race_class, NEW.age_band, NEW.sex_restriction, NEW.rating_band, NEW.prize, NEW.field_size, NEW.stalls, NEW.rail_movements, NEW.weather, NEW.jumps, NEW.is_big_race, NEW.is_abandoned, NEW.has_result, NEW.winning_time, NEW.winning_time_detail, NEW.comments, NEW.non_runners, NEW.tote_win, NEW.tote_pl, NEW.tote_ex, NEW.tote_csf, NEW.tote_tricast, NEW.tote_trifecta, NEW.tip, NEW.verdict, NEW.betting_forecast, NEW.meet_id, NEW.created_at, NEW.updated_at, NEW."time") ON CONFLICT (id) DO UPDATE SET course_id = EXCLUDED.course_id, course_name = EXCLUDED.course_name, date = EXCLUDED.date, off_time = EXCLUDED.off_time, off_dt = EXCLUDED.off_dt, race_name = EXCLUDED.race_name, race_number = EXCLUDED.race_number, distance = EXCLUDED.distance, distance_round = EXCLUDED.distance_round, distance_f = EXCLUDED.distance_f, distance_m = EXCLUDED.distance_m, region = EXCLUDED.region, type = EXCLUDED.type, surface = EXCLUDED.surface, going = EXCLUDED.going, going_detailed = EXCLUDED.going_detailed, pattern = EXCLUDED.pattern, race_class = EXCLUDED.race_class, age_band = EXCLUDED.age_band, sex_restriction = EXCLUDED.sex_restriction, rating_band = EXCLUDED.rating_band, prize = EXCLUDED.prize, field_size = EXCLUDED.field_size, stalls = EXCLUDED.stalls, rail_movements = EXCLUDED.rail_movements, weather = EXCLUDED.weather, jumps = EXCLUDED.jumps, is_big_race = EXCLUDED.is_big_race, is_abandoned = EXCLUDED.is_abandoned, has_result = EXCLUDED.has_result, winning_time = EXCLUDED.winning_time, winning_time_detail = EXCLUDED.winning_time_detail, comments = EXCLUDED.comments, non_runners = EXCLUDED.non_runners, tote_win = EXCLUDED.tote_win, tote_pl = EXCLUDED.tote_pl, tote_ex = EXCLUDED.tote_ex, tote_csf = EXCLUDED.tote_csf, tote_tricast = EXCLUDED.tote_tricast, tote_trifecta = EXCLUDED.tote_trifecta, tip = EXCLUDED.tip, verdict = EXCLUDED.verdict, betting_forecast = EXCLUDED.betting_forecast, meet_id = EXCLUDED.meet_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "time" = EXCLUDED."time";
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 45: only the installer may use ra_migrate.dual_write_ra_races
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.dual_write_ra_races() FROM PUBLIC;

-- Step 46: trigger function copying writes made directly on ra_mst_races back to ra_races
--   lock: none; touches: ra_mst_races, ra_races
CREATE OR REPLACE FUNCTION ra_migrate.reverse_write_ra_races() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $ra_migrate$
BEGIN
  IF TG_RELID <> 'public.ra_mst_races'::regclass THEN
    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of public.ra_mst_races only', TG_NAME;
  END IF;
  IF current_setting('ra_migrate.app_dual_write', true) = 'on' OR current_setting('ra_migrate.replicating', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'on', true);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.ra_races WHERE (id) = (OLD.id);
    IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
      BEGIN
        INSERT INTO public.ra_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (OLD.id, OLD.course_id, OLD.course_name, OLD.date, OLD.off_time, OLD.off_dt, OLD.race_name, OLD.race_number, OLD.distance, OLD.distance_round, OLD.distance_f, OLD.distance_m, OLD.region, OLD.type, OLD.surface, OLD.going, OLD.going_detailed, OLD.pattern, OLD.race_class, OLD.age_band, OLD.sex_restriction, OLD.rating_band, OLD.prize, OLD.field_size, OLD.stalls, OLD.rail_movements, OLD.weather, OLD.jumps, OLD.is_big_race, OLD.is_abandoned, OLD.has_result, OLD.winning_time, OLD.winning_time_detail, OLD.comments, OLD.non_runners, OLD.tote_win, OLD.tote_pl, OLD.tote_ex, OLD.tote_csf, OLD.tote_tricast, OLD.tote_trifecta, OLD.tip, OLD.verdict, OLD.betting_forecast, OLD.meet_id, OLD.created_at, OLD.updated_at, OLD."time") ON CONFLICT (id) DO NOTHING;
        RAISE SQLSTATE 'RAMG0';
      EXCEPTION
        WHEN serialization_failure THEN RAISE;
        WHEN OTHERS THEN NULL;
      END;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE public.ra_races SET id = NEW.id, course_id = NEW.course_id, course_name = NEW.course_name, date = NEW.date, off_time = NEW.off_time, off_dt = NEW.off_dt, race_name = NEW.race_name, race_number = NEW.race_number, distance = NEW.distance, distance_round = NEW.distance_round, distance_f = NEW.distance_f, distance_m = NEW.distance_m, region = NEW.region, type = NEW.type, surface = NEW.surface, going = NEW.going, going_detailed = NEW.going_detailed, pattern = NEW.pattern, race_class = NEW.race_class, age_band = NEW.age_band, sex_restriction = NEW.sex_restriction, rating_band = NEW.rating_band, prize = NEW.prize, field_size = NEW.field_size, stalls = NEW.stalls, rail_movements = NEW.rail_movements, weather = NEW.weather, jumps = NEW.jumps, is_big_race = NEW.is_big_race, is_abandoned = NEW.is_abandoned, has_result = NEW.has_result, winning_time = NEW.winning_time, winning_time_detail = NEW.winning_time_detail, comments = NEW.comments, non_runners = NEW.non_runners, tote_win = NEW.tote_win, tote_pl = NEW.tote_pl, tote_ex = NEW.tote_ex, tote_csf = NEW.tote_csf, tote_tricast = NEW.tote_tricast, tote_trifecta = NEW.tote_trifecta, tip = NEW.tip, verdict = NEW.verdict, betting_forecast = NEW.betting_forecast, meet_id = NEW.meet_id, created_at = NEW.created_at, updated_at = NEW.updated_at, "time" = NEW."time" WHERE (id) = (OLD.id);
    IF NOT FOUND THEN
      IF (OLD.id) IS DISTINCT FROM (NEW.id) THEN
        IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN
          BEGIN
            INSERT INTO public.ra_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (OLD.id, OLD.course_id, OLD.course_name, OLD.date, OLD.off_time, OLD.off_dt, OLD.race_name, OLD.race_number, OLD.distance, OLD.distance_round, OLD.distance_f, OLD.distance_m, OLD.region, OLD.type, OLD.surface, OLD.going, OLD.going_detailed, OLD.pattern, OLD.race_class, OLD.age_band, OLD.sex_restriction, OLD.rating_band, OLD.prize, OLD.field_size, OLD.stalls, OLD.rail_movements, OLD.weather, OLD.jumps, OLD.is_big_race, OLD.is_abandoned, OLD.has_result, OLD.winning_time, OLD.winning_time_detail, OLD.comments, OLD.non_runners, OLD.tote_win, OLD.tote_pl, OLD.tote_ex, OLD.tote_csf, OLD.tote_tricast, OLD.tote_trifecta, OLD.tip, OLD.verdict, OLD.betting_forecast, OLD.meet_id, OLD.created_at, OLD.updated_at, OLD."time") ON CONFLICT (id) DO NOTHING;
            RAISE SQLSTATE 'RAMG0';
          EXCEPTION
            WHEN serialization_failure THEN RAISE;
            WHEN OTHERS THEN NULL;
          END;
        END IF;
      END IF;
      INSERT INTO public.ra_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (NEW.id, NEW.course_id, NEW.course_name, NEW.date, NEW.off_time, NEW.off_dt, NEW.race_name, NEW.race_number, NEW.distance, NEW.distance_round, NEW.distance_f, NEW.distance_m, NEW.region, NEW.type, NEW.surface, NEW.going, NEW.going_detailed, NEW.pattern, NEW.race_class, NEW.age_band, NEW.sex_restriction, NEW.rating_band, NEW.prize, NEW.field_size, NEW.stalls, NEW.rail_movements, NEW.weather, NEW.jumps, NEW.is_big_race, NEW.is_abandoned, NEW.has_result, NEW.winning_time, NEW.winning_time_detail, NEW.comments, NEW.non_runners, NEW.tote_win, NEW.tote_pl, NEW.tote_ex, NEW.tote_csf, NEW.tote_tricast, NEW.tote_trifecta, NEW.tip, NEW.verdict, NEW.betting_forecast, NEW.meet_id, NEW.created_at, NEW.updated_at, NEW."time") ON CONFLICT (id) DO UPDATE SET course_id = EXCLUDED.course_id, course_name = EXCLUDED.course_name, date = EXCLUDED.date, off_time = EXCLUDED.off_time, off_dt = EXCLUDED.off_dt, race_name = EXCLUDED.race_name, race_number = EXCLUDED.race_number, distance = EXCLUDED.distance, distance_round = EXCLUDED.distance_round, distance_f = EXCLUDED.distance_f, distance_m = EXCLUDED.distance_m, region = EXCLUDED.region, type = EXCLUDED.type, surface = EXCLUDED.surface, going = EXCLUDED.going, going_detailed = EXCLUDED.going_detailed, pattern = EXCLUDED.pattern, race_class = EXCLUDED.race_class, age_band = EXCLUDED.age_band, sex_restriction = EXCLUDED.sex_restriction, rating_band = EXCLUDED.rating_band, prize = EXCLUDED.prize, field_size = EXCLUDED.field_size, stalls = EXCLUDED.stalls, rail_movements = EXCLUDED.rail_movements, weather = EXCLUDED.weather, jumps = EXCLUDED.jumps, is_big_race = EXCLUDED.is_big_race, is_abandoned = EXCLUDED.is_abandoned, has_result = EXCLUDED.has_result, winning_time = EXCLUDED.winning_time, winning_time_detail = EXCLUDED.winning_time_detail, comments = EXCLUDED.comments, non_runners = EXCLUDED.non_runners, tote_win = EXCLUDED.tote_win, tote_pl = EXCLUDED.tote_pl, tote_ex = EXCLUDED.tote_ex, tote_csf = EXCLUDED.tote_csf, tote_tricast = EXCLUDED.tote_tricast, tote_trifecta = EXCLUDED.tote_trifecta, tip = EXCLUDED.tip, verdict = EXCLUDED.verdict, betting_forecast = EXCLUDED.betting_forecast, meet_id = EXCLUDED.meet_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "time" = EXCLUDED."time";
    END IF;
  ELSE
    INSERT INTO public.ra_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") VALUES (NEW.id, NEW.course_id, NEW.course_name, NEW.date, NEW.off_time, NEW.off_dt, NEW.race_name, NEW.race_number, NEW.distance, NEW.distance_round, NEW.distance_f, NEW.distance_m, NEW.region, NEW.type, NEW.surface, NEW.going, NEW.going_detailed, NEW.pattern, NEW.race_class, NEW.age_band, NEW.sex_restriction, NEW.rating_band, NEW.prize, NEW.field_size, NEW.stalls, NEW.rail_movements, NEW.weather, NEW.jumps, NEW.is_big_race, NEW.is_abandoned, NEW.has_result, NEW.winning_time, NEW.winning_time_detail, NEW.comments, NEW.non_runners, NEW.tote_win, NEW.tote_pl, NEW.tote_ex, NEW.tote_csf, NEW.tote_tricast, NEW.tote_trifecta, NEW.tip, NEW.verdict, NEW.betting_forecast, NEW.meet_id, NEW.created_at, NEW.updated_at, NEW."time") ON CONFLICT (id) DO UPDATE SET course_id = EXCLUDED.course_id, course_name = EXCLUDED.course_name, date = EXCLUDED.date, off_time = EXCLUDED.off_time, off_dt = EXCLUDED.off_dt, race_name = EXCLUDED.race_name, race_number = EXCLUDED.race_number, distance = EXCLUDED.distance, distance_round = EXCLUDED.distance_round, distance_f = EXCLUDED.distance_f, distance_m = EXCLUDED.distance_m, region = EXCLUDED.region, type = EXCLUDED.type, surface = EXCLUDED.surface, going = EXCLUDED.going, going_detailed = EXCLUDED.going_detailed, pattern = EXCLUDED.pattern, race_class = EXCLUDED.race_class, age_band = EXCLUDED.age_band, sex_restriction = EXCLUDED.sex_restriction, rating_band = EXCLUDED.rating_band, prize = EXCLUDED.prize, field_size = EXCLUDED.field_size, stalls = EXCLUDED.stalls, rail_movements = EXCLUDED.rail_movements, weather = EXCLUDED.weather, jumps = EXCLUDED.jumps, is_big_race = EXCLUDED.is_big_race, is_abandoned = EXCLUDED.is_abandoned, has_result = EXCLUDED.has_result, winning_time = EXCLUDED.winning_time, winning_time_detail = EXCLUDED.winning_time_detail, comments = EXCLUDED.comments, non_runners = EXCLUDED.non_runners, tote_win = EXCLUDED.tote_win, tote_pl = EXCLUDED.tote_pl, tote_ex = EXCLUDED.tote_ex, tote_csf = EXCLUDED.tote_csf, tote_tricast = EXCLUDED.tote_tricast, tote_trifecta = EXCLUDED.tote_trifecta, tip = EXCLUDED.tip, verdict = EXCLUDED.verdict, betting_forecast = EXCLUDED.betting_forecast, meet_id = EXCLUDED.meet_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "time" = EXCLUDED."time";
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE public.ra_mst_races s SET course_id = t.course_id, course_name = t.course_name, date = t.date, off_time = t.off_time, off_dt = t.off_dt, race_name = t.race_name, race_number = t.race_number, distance = t.distance, distance_round = t.distance_round, distance_f = t.distance_f, distance_m = t.distance_m, region = t.region, type = t.type, surface = t.surface, going = t.going, going_detailed = t.going_detailed, pattern = t.pattern, race_class = t.race_class, age_band = t.age_band, sex_restriction = t.sex_restriction, rating_band = t.rating_band, prize = t.prize, field_size = t.field_size, stalls = t.stalls, rail_movements = t.rail_movements, weather = t.weather, jumps = t.jumps, is_big_race = t.is_big_race, is_abandoned = t.is_abandoned, has_result = t.has_result, winning_time = t.winning_time, winning_time_detail = t.winning_time_detail, comments = t.comments, non_runners = t.non_runners, tote_win = t.tote_win, tote_pl = t.tote_pl, tote_ex = t.tote_ex, tote_csf = t.tote_csf, tote_tricast = t.tote_tricast, tote_trifecta = t.tote_trifecta, tip = t.tip, verdict = t.verdict, betting_forecast = t.betting_forecast, meet_id = t.meet_id, created_at = t.created_at, updated_at = t.updated_at, "time" = t."time" FROM public.ra_races t WHERE s.id = NEW.id AND t.id = NEW.id AND ROW(s.id, s.course_id, s.course_name, s.date, s.off_time, s.off_dt, s.race_name, s.race_number, s.distance, s.distance_round, s.distance_f, s.distance_m, s.region, s.type, s.surface, s.going, s.going_detailed, s.pattern, s.race_class, s.age_band, s.sex_restriction, s.rating_band, s.prize, s.field_size, s.stalls, s.rail_movements, s.weather, s.jumps, s.is_big_race, s.is_abandoned, s.has_result, s.winning_time, s.winning_time_detail, s.comments, s.non_runners, s.tote_win, s.tote_pl, s.tote_ex, s.tote_csf, s.tote_tricast, s.tote_trifecta, s.tip, s.verdict, s.betting_forecast, s.meet_id, s.created_at, s.updated_at, s."time")::text IS DISTINCT FROM ROW(t.id, t.course_id, t.course_name, t.date, t.off_time, t.off_dt, t.race_name, t.race_number, t.distance, t.distance_round, t.distance_f, t.distance_m, t.region, t.type, t.surface, t.going, t.going_detailed, t.pattern, t.race_class, t.age_band, t.sex_restriction, t.rating_band, t.prize, t.field_size, t.stalls, t.rail_movements, t.weather, t.jumps, t.is_big_race, t.is_abandoned, t.has_result, t.winning_time, t.winning_time_detail, t.comments, t.non_runners, t.tote_win, t.tote_pl, t.tote_ex, t.tote_csf, t.tote_tricast, t.tote_trifecta, t.tip, t.verdict, t.betting_forecast, t.meet_id, t.created_at, t.updated_at, t."time")::text;
  END IF;
  PERFORM set_config('ra_migrate.replicating', 'off', true);
  RETURN NULL;
END
$ra_migrate$;

-- Step 47: only the installer may use ra_migrate.reverse_write_ra_races
--   lock: none; touches: -
REVOKE ALL ON FUNCTION ra_migrate.reverse_write_ra_races() FROM PUBLIC;

-- Step 48: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_horse_pedigree, ra_old_race_results wait while it runs); touches: ra_horse_pedigree, ra_old_race_results
LOCK TABLE public.ra_horse_pedigree, public.ra_old_race_results IN ACCESS EXCLUSIVE MODE;

-- Step 49: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runner_odds, ra_runners wait while it runs); touches: ra_runner_odds, ra_runners
LOCK TABLE public.ra_runner_odds, public.ra_runners IN SHARE ROW EXCLUSIVE MODE;

-- Step 50: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_bookmakers, ra_old_bookmakers, ra_old_courses wait while it runs); touches: ra_mst_bookmakers, ra_old_bookmakers, ra_old_courses
LOCK TABLE public.ra_old_bookmakers, public.ra_mst_bookmakers, public.ra_old_courses IN ACCESS EXCLUSIVE MODE;

-- Step 51: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
LOCK TABLE public.ra_mst_courses IN SHARE ROW EXCLUSIVE MODE;

-- Step 52: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_old_horses wait while it runs); touches: ra_old_horses
LOCK TABLE public.ra_old_horses IN ACCESS EXCLUSIVE MODE;

-- Step 53: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
LOCK TABLE public.ra_mst_horses IN SHARE ROW EXCLUSIVE MODE;

-- Step 54: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_old_jockeys wait while it runs); touches: ra_old_jockeys
LOCK TABLE public.ra_old_jockeys IN ACCESS EXCLUSIVE MODE;

-- Step 55: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
LOCK TABLE public.ra_mst_jockeys IN SHARE ROW EXCLUSIVE MODE;

-- Step 56: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_old_trainers wait while it runs); touches: ra_old_trainers
LOCK TABLE public.ra_old_trainers IN ACCESS EXCLUSIVE MODE;

-- Step 57: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
LOCK TABLE public.ra_mst_trainers IN SHARE ROW EXCLUSIVE MODE;

-- Step 58: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_old_owners wait while it runs); touches: ra_old_owners
LOCK TABLE public.ra_old_owners IN ACCESS EXCLUSIVE MODE;

-- Step 59: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
LOCK TABLE public.ra_mst_owners IN SHARE ROW EXCLUSIVE MODE;

-- Step 60: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_dams, ra_mst_damsires, ra_mst_sires, ra_old_dams, ra_old_damsires, ra_old_races, ra_old_sires wait while it runs); touches: ra_mst_dams, ra_mst_damsires, ra_mst_sires, ra_old_dams, ra_old_damsires, ra_old_races, ra_old_sires
LOCK TABLE public.ra_old_sires, public.ra_mst_sires, public.ra_old_dams, public.ra_mst_dams, public.ra_old_damsires, public.ra_mst_damsires, public.ra_old_races IN ACCESS EXCLUSIVE MODE;

-- Step 61: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
LOCK TABLE public.ra_mst_races IN SHARE ROW EXCLUSIVE MODE;

-- Step 62: give ra_old_bookmakers its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_bookmakers wait while it runs); touches: ra_bookmakers, ra_old_bookmakers
ALTER TABLE public.ra_old_bookmakers RENAME TO ra_bookmakers;

-- Step 63: give ra_old_courses its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_courses wait while it runs); touches: ra_courses, ra_old_courses
ALTER TABLE public.ra_old_courses RENAME TO ra_courses;

-- Step 64: give ra_old_horses its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_horses wait while it runs); touches: ra_horses, ra_old_horses
ALTER TABLE public.ra_old_horses RENAME TO ra_horses;

-- Step 65: give ra_old_jockeys its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_jockeys wait while it runs); touches: ra_jockeys, ra_old_jockeys
ALTER TABLE public.ra_old_jockeys RENAME TO ra_jockeys;

-- Step 66: give ra_old_trainers its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_trainers wait while it runs); touches: ra_old_trainers, ra_trainers
ALTER TABLE public.ra_old_trainers RENAME TO ra_trainers;

-- Step 67: give ra_old_owners its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_owners wait while it runs); touches: ra_old_owners, ra_owners
ALTER TABLE public.ra_old_owners RENAME TO ra_owners;

-- Step 68: give ra_old_sires its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_sires wait while it runs); touches: ra_old_sires, ra_sires
ALTER TABLE public.ra_old_sires RENAME TO ra_sires;

-- Step 69: give ra_old_dams its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_dams wait while it runs); touches: ra_dams, ra_old_dams
ALTER TABLE public.ra_old_dams RENAME TO ra_dams;

-- Step 70: give ra_old_damsires its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_damsires wait while it runs); touches: ra_damsires, ra_old_damsires
ALTER TABLE public.ra_old_damsires RENAME TO ra_damsires;

-- Step 71: give ra_old_races its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_races wait while it runs); touches: ra_old_races, ra_races
ALTER TABLE public.ra_old_races RENAME TO ra_races;

-- Step 72: give ra_old_race_results its name back
--   lock: ACCESS EXCLUSIVE (writers of ra_old_race_results wait while it runs); touches: ra_old_race_results, ra_race_results
ALTER TABLE public.ra_old_race_results RENAME TO ra_race_results;

-- Step 73: publish ra_horses in supabase_realtime again, as before the archive
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horses
ALTER PUBLICATION supabase_realtime ADD TABLE public.ra_horses;

-- Step 74: publish ra_races in supabase_realtime again, as before the archive
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_races
ALTER PUBLICATION supabase_realtime ADD TABLE public.ra_races;

-- Step 75: carry every row changed in the new masters since the archive back into the old ones (removed, then put back as it is now, in one statement)
--   lock: ROW EXCLUSIVE; touches: archive_changes, ra_bookmakers, ra_courses, ra_dams, ra_damsires, ra_horses, ra_jockeys, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_owners, ra_races, ra_sires, ra_trainers
WITH gone_0 AS (DELETE FROM public.ra_bookmakers o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_bookmakers' AND o.id = c.key_parts[1]::bigint RETURNING 1),
back_0 AS (INSERT INTO public.ra_bookmakers (id, name, code, is_active, created_at, type) SELECT n.id, n.name, n.code, n.is_active, n.created_at, n.type FROM ra_migrate.archive_changes c JOIN public.ra_mst_bookmakers n ON n.id = c.key_parts[1]::bigint WHERE c.table_name = 'ra_mst_bookmakers' AND (SELECT count(*) FROM gone_0) >= 0 RETURNING 1),
gone_1 AS (DELETE FROM public.ra_courses o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_courses' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_1 AS (INSERT INTO public.ra_courses (id, name, region_code, region, longitude, latitude, created_at, updated_at) SELECT n.id, n.name, n.region_code, n.region, n.longitude, n.latitude, n.created_at, n.updated_at FROM ra_migrate.archive_changes c JOIN public.ra_mst_courses n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_courses' AND (SELECT count(*) FROM gone_1) >= 0 RETURNING 1),
gone_2 AS (DELETE FROM public.ra_horses o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_horses' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_2 AS (INSERT INTO public.ra_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) SELECT n.id, n.name, n.sire_id, n.dam_id, n.damsire_id, n.dob, n.age, n.sex, n.sex_code, n.colour, n.colour_code, n.breeder, n.region, n.created_at, n.updated_at FROM ra_migrate.archive_changes c JOIN public.ra_mst_horses n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_horses' AND (SELECT count(*) FROM gone_2) >= 0 RETURNING 1),
gone_3 AS (DELETE FROM public.ra_jockeys o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_jockeys' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_3 AS (INSERT INTO public.ra_jockeys (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) SELECT n.id, n.name, n.created_at, n.updated_at, n.total_rides, n.total_wins, n.total_places, n.total_seconds, n.total_thirds, n.win_rate, n.place_rate, n.stats_updated_at, n.last_ride_date, n.last_win_date, n.days_since_last_ride, n.days_since_last_win, n.recent_14d_rides, n.recent_14d_wins, n.recent_14d_win_rate, n.recent_30d_rides, n.recent_30d_wins, n.recent_30d_win_rate FROM ra_migrate.archive_changes c JOIN public.ra_mst_jockeys n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_jockeys' AND (SELECT count(*) FROM gone_3) >= 0 RETURNING 1),
gone_4 AS (DELETE FROM public.ra_trainers o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_trainers' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_4 AS (INSERT INTO public.ra_trainers (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) SELECT n.id, n.name, n.location, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places, n.total_seconds, n.total_thirds, n.win_rate, n.place_rate, n.stats_updated_at, n.last_runner_date, n.last_win_date, n.days_since_last_runner, n.days_since_last_win, n.recent_14d_runs, n.recent_14d_wins, n.recent_14d_win_rate, n.recent_30d_runs, n.recent_30d_wins, n.recent_30d_win_rate FROM ra_migrate.archive_changes c JOIN public.ra_mst_trainers n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_trainers' AND (SELECT count(*) FROM gone_4) >= 0 RETURNING 1),
gone_5 AS (DELETE FROM public.ra_owners o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_owners' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_5 AS (INSERT INTO public.ra_owners (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) SELECT n.id, n.name, n.created_at, n.updated_at, n.total_horses, n.total_runners, n.total_wins, n.total_places, n.total_seconds, n.total_thirds, n.win_rate, n.place_rate, n.active_last_30d, n.stats_updated_at, n.last_runner_date, n.last_win_date, n.days_since_last_runner, n.days_since_last_win, n.recent_14d_runs, n.recent_14d_wins, n.recent_14d_win_rate, n.recent_30d_runs, n.recent_30d_wins, n.recent_30d_win_rate FROM ra_migrate.archive_changes c JOIN public.ra_mst_owners n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_owners' AND (SELECT count(*) FROM gone_5) >= 0 RETURNING 1),
gone_6 AS (DELETE FROM public.ra_sires o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_sires' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_6 AS (INSERT INTO public.ra_sires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) SELECT n.id, n.name, n.horse_id, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places_2nd, n.total_places_3rd, n.overall_win_percent, n.overall_ae_index, n.best_class, n.best_class_ae, n.best_distance, n.best_distance_ae, n.analysis_last_updated, n.data_quality_score, n.class_1_name, n.class_1_runners, n.class_1_wins, n.class_1_win_percent, n.class_1_ae, n.class_2_name, n.class_2_runners, n.class_2_wins, n.class_2_win_percent, n.class_2_ae, n.class_3_name, n.class_3_runners, n.class_3_wins, n.class_3_win_percent, n.class_3_ae, n.distance_1_name, n.distance_1_runners, n.distance_1_wins, n.distance_1_win_percent, n.distance_1_ae, n.distance_2_name, n.distance_2_runners, n.distance_2_wins, n.distance_2_win_percent, n.distance_2_ae, n.distance_3_name, n.distance_3_runners, n.distance_3_wins, n.distance_3_win_percent, n.distance_3_ae FROM ra_migrate.archive_changes c JOIN public.ra_mst_sires n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_sires' AND (SELECT count(*) FROM gone_6) >= 0 RETURNING 1),
gone_7 AS (DELETE FROM public.ra_dams o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_dams' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_7 AS (INSERT INTO public.ra_dams (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) SELECT n.id, n.name, n.horse_id, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places_2nd, n.total_places_3rd, n.overall_win_percent, n.overall_ae_index, n.best_class, n.best_class_ae, n.best_distance, n.best_distance_ae, n.analysis_last_updated, n.data_quality_score, n.class_1_name, n.class_1_runners, n.class_1_wins, n.class_1_win_percent, n.class_1_ae, n.class_2_name, n.class_2_runners, n.class_2_wins, n.class_2_win_percent, n.class_2_ae, n.class_3_name, n.class_3_runners, n.class_3_wins, n.class_3_win_percent, n.class_3_ae, n.distance_1_name, n.distance_1_runners, n.distance_1_wins, n.distance_1_win_percent, n.distance_1_ae, n.distance_2_name, n.distance_2_runners, n.distance_2_wins, n.distance_2_win_percent, n.distance_2_ae, n.distance_3_name, n.distance_3_runners, n.distance_3_wins, n.distance_3_win_percent, n.distance_3_ae FROM ra_migrate.archive_changes c JOIN public.ra_mst_dams n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_dams' AND (SELECT count(*) FROM gone_7) >= 0 RETURNING 1),
gone_8 AS (DELETE FROM public.ra_damsires o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_damsires' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_8 AS (INSERT INTO public.ra_damsires (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) SELECT n.id, n.name, n.horse_id, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places_2nd, n.total_places_3rd, n.overall_win_percent, n.overall_ae_index, n.best_class, n.best_class_ae, n.best_distance, n.best_distance_ae, n.analysis_last_updated, n.data_quality_score, n.class_1_name, n.class_1_runners, n.class_1_wins, n.class_1_win_percent, n.class_1_ae, n.class_2_name, n.class_2_runners, n.class_2_wins, n.class_2_win_percent, n.class_2_ae, n.class_3_name, n.class_3_runners, n.class_3_wins, n.class_3_win_percent, n.class_3_ae, n.distance_1_name, n.distance_1_runners, n.distance_1_wins, n.distance_1_win_percent, n.distance_1_ae, n.distance_2_name, n.distance_2_runners, n.distance_2_wins, n.distance_2_win_percent, n.distance_2_ae, n.distance_3_name, n.distance_3_runners, n.distance_3_wins, n.distance_3_win_percent, n.distance_3_ae FROM ra_migrate.archive_changes c JOIN public.ra_mst_damsires n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_damsires' AND (SELECT count(*) FROM gone_8) >= 0 RETURNING 1),
gone_9 AS (DELETE FROM public.ra_races o USING ra_migrate.archive_changes c WHERE c.table_name = 'ra_mst_races' AND o.id = c.key_parts[1]::character varying(50) RETURNING 1),
back_9 AS (INSERT INTO public.ra_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") SELECT n.id, n.course_id, n.course_name, n.date, n.off_time, n.off_dt, n.race_name, n.race_number, n.distance, n.distance_round, n.distance_f, n.distance_m, n.region, n.type, n.surface, n.going, n.going_detailed, n.pattern, n.race_class, n.age_band, n.sex_restriction, n.rating_band, n.prize, n.field_size, n.stalls, n.rail_movements, n.weather, n.jumps, n.is_big_race, n.is_abandoned, n.has_result, n.winning_time, n.winning_time_detail, n.comments, n.non_runners, n.tote_win, n.tote_pl, n.tote_ex, n.tote_csf, n.tote_tricast, n.tote_trifecta, n.tip, n.verdict, n.betting_forecast, n.meet_id, n.created_at, n.updated_at, n."time" FROM ra_migrate.archive_changes c JOIN public.ra_mst_races n ON n.id = c.key_parts[1]::character varying(50) WHERE c.table_name = 'ra_mst_races' AND (SELECT count(*) FROM gone_9) >= 0 RETURNING 1)
SELECT 1;

-- Step 76: move ra_bookmakers_id_seq past every id ra_mst_bookmakers_id_seq handed out
--   lock: none; touches: ra_bookmakers_id_seq, ra_mst_bookmakers_id_seq
SELECT setval('public.ra_bookmakers_id_seq', greatest(t.last_value, f.last_value), true) FROM public.ra_bookmakers_id_seq t, public.ra_mst_bookmakers_id_seq f;

-- Step 77: ra_mst_bookmakers.id takes its ids from ra_bookmakers_id_seq from now on
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_bookmakers_id_seq, ra_mst_bookmakers
ALTER TABLE public.ra_mst_bookmakers ALTER COLUMN id SET DEFAULT nextval('public.ra_bookmakers_id_seq'::regclass);

-- Step 78: stop recording changes to ra_mst_bookmakers: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_capture ON public.ra_mst_bookmakers;

-- Step 79: drop ra_migrate.capture_ra_mst_bookmakers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_bookmakers();

-- Step 80: stop recording changes to ra_mst_bookmakers: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_bookmakers;

-- Step 81: drop ra_migrate.capture_truncate_ra_mst_bookmakers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_bookmakers();

-- Step 82: stop recording changes to ra_mst_courses: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_capture ON public.ra_mst_courses;

-- Step 83: drop ra_migrate.capture_ra_mst_courses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_courses();

-- Step 84: stop recording changes to ra_mst_courses: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_courses;

-- Step 85: drop ra_migrate.capture_truncate_ra_mst_courses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_courses();

-- Step 86: stop recording changes to ra_mst_horses: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_capture ON public.ra_mst_horses;

-- Step 87: drop ra_migrate.capture_ra_mst_horses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_horses();

-- Step 88: stop recording changes to ra_mst_horses: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_horses;

-- Step 89: drop ra_migrate.capture_truncate_ra_mst_horses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_horses();

-- Step 90: stop recording changes to ra_mst_jockeys: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_capture ON public.ra_mst_jockeys;

-- Step 91: drop ra_migrate.capture_ra_mst_jockeys
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_jockeys();

-- Step 92: stop recording changes to ra_mst_jockeys: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_jockeys;

-- Step 93: drop ra_migrate.capture_truncate_ra_mst_jockeys
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_jockeys();

-- Step 94: stop recording changes to ra_mst_trainers: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_capture ON public.ra_mst_trainers;

-- Step 95: drop ra_migrate.capture_ra_mst_trainers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_trainers();

-- Step 96: stop recording changes to ra_mst_trainers: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_trainers;

-- Step 97: drop ra_migrate.capture_truncate_ra_mst_trainers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_trainers();

-- Step 98: stop recording changes to ra_mst_owners: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_capture ON public.ra_mst_owners;

-- Step 99: drop ra_migrate.capture_ra_mst_owners
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_owners();

-- Step 100: stop recording changes to ra_mst_owners: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_owners;

-- Step 101: drop ra_migrate.capture_truncate_ra_mst_owners
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_owners();

-- Step 102: stop recording changes to ra_mst_sires: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_capture ON public.ra_mst_sires;

-- Step 103: drop ra_migrate.capture_ra_mst_sires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_sires();

-- Step 104: stop recording changes to ra_mst_sires: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_sires;

-- Step 105: drop ra_migrate.capture_truncate_ra_mst_sires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_sires();

-- Step 106: stop recording changes to ra_mst_dams: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_capture ON public.ra_mst_dams;

-- Step 107: drop ra_migrate.capture_ra_mst_dams
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_dams();

-- Step 108: stop recording changes to ra_mst_dams: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_dams;

-- Step 109: drop ra_migrate.capture_truncate_ra_mst_dams
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_dams();

-- Step 110: stop recording changes to ra_mst_damsires: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_capture ON public.ra_mst_damsires;

-- Step 111: drop ra_migrate.capture_ra_mst_damsires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_damsires();

-- Step 112: stop recording changes to ra_mst_damsires: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_damsires;

-- Step 113: drop ra_migrate.capture_truncate_ra_mst_damsires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_damsires();

-- Step 114: stop recording changes to ra_mst_races: drop ra_migrate_capture
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_capture ON public.ra_mst_races;

-- Step 115: drop ra_migrate.capture_ra_mst_races
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_ra_mst_races();

-- Step 116: stop recording changes to ra_mst_races: drop ra_migrate_capture_truncate
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_capture_truncate ON public.ra_mst_races;

-- Step 117: drop ra_migrate.capture_truncate_ra_mst_races
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.capture_truncate_ra_mst_races();

-- Step 118: clear any reverse trigger left on ra_mst_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_bookmakers;

-- Step 119: clear any reverse trigger left on ra_mst_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_courses;

-- Step 120: clear any reverse trigger left on ra_mst_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_horses;

-- Step 121: clear any reverse trigger left on ra_mst_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_jockeys;

-- Step 122: clear any reverse trigger left on ra_mst_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_trainers;

-- Step 123: clear any reverse trigger left on ra_mst_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_owners;

-- Step 124: clear any reverse trigger left on ra_mst_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_sires;

-- Step 125: clear any reverse trigger left on ra_mst_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_dams;

-- Step 126: clear any reverse trigger left on ra_mst_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_damsires;

-- Step 127: clear any reverse trigger left on ra_mst_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER IF EXISTS ra_migrate_reverse_write ON public.ra_mst_races;

-- Step 128: reverse trigger on ra_mst_bookmakers: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_bookmakers FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_bookmakers();

-- Step 129: refuse writers' statements on ra_mst_bookmakers until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_bookmakers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 130: writers of public.ra_bookmakers join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_bookmakers
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_bookmakers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 131: writers of public.ra_mst_bookmakers join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_bookmakers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 132: dual-write trigger on ra_bookmakers
--   lock: SHARE ROW EXCLUSIVE; touches: ra_bookmakers
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_bookmakers FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_bookmakers();

-- Step 133: refuse TRUNCATE on ra_bookmakers while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_bookmakers
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_bookmakers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 134: reverse trigger on ra_mst_courses: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_courses FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_courses();

-- Step 135: refuse writers' statements on ra_mst_courses until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_courses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 136: writers of public.ra_courses join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_courses
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_courses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 137: writers of public.ra_mst_courses join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_courses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 138: dual-write trigger on ra_courses
--   lock: SHARE ROW EXCLUSIVE; touches: ra_courses
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_courses FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_courses();

-- Step 139: refuse TRUNCATE on ra_courses while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_courses
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_courses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 140: reverse trigger on ra_mst_horses: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_horses FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_horses();

-- Step 141: refuse writers' statements on ra_mst_horses until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_horses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 142: writers of public.ra_horses join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_horses
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_horses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 143: writers of public.ra_mst_horses join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_horses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 144: dual-write trigger on ra_horses
--   lock: SHARE ROW EXCLUSIVE; touches: ra_horses
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_horses FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_horses();

-- Step 145: refuse TRUNCATE on ra_horses while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_horses
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_horses FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 146: reverse trigger on ra_mst_jockeys: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_jockeys FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_jockeys();

-- Step 147: refuse writers' statements on ra_mst_jockeys until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_jockeys FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 148: writers of public.ra_jockeys join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_jockeys
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_jockeys FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 149: writers of public.ra_mst_jockeys join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_jockeys FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 150: dual-write trigger on ra_jockeys
--   lock: SHARE ROW EXCLUSIVE; touches: ra_jockeys
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_jockeys FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_jockeys();

-- Step 151: refuse TRUNCATE on ra_jockeys while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_jockeys
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_jockeys FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 152: reverse trigger on ra_mst_trainers: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_trainers FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_trainers();

-- Step 153: refuse writers' statements on ra_mst_trainers until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_trainers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 154: writers of public.ra_trainers join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_trainers
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_trainers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 155: writers of public.ra_mst_trainers join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_trainers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 156: dual-write trigger on ra_trainers
--   lock: SHARE ROW EXCLUSIVE; touches: ra_trainers
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_trainers FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_trainers();

-- Step 157: refuse TRUNCATE on ra_trainers while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_trainers
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_trainers FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 158: reverse trigger on ra_mst_owners: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_owners FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_owners();

-- Step 159: refuse writers' statements on ra_mst_owners until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_owners FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 160: writers of public.ra_owners join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_owners
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_owners FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 161: writers of public.ra_mst_owners join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_owners FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 162: dual-write trigger on ra_owners
--   lock: SHARE ROW EXCLUSIVE; touches: ra_owners
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_owners FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_owners();

-- Step 163: refuse TRUNCATE on ra_owners while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_owners
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_owners FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 164: reverse trigger on ra_mst_sires: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_sires FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_sires();

-- Step 165: refuse writers' statements on ra_mst_sires until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_sires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 166: writers of public.ra_sires join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_sires
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_sires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 167: writers of public.ra_mst_sires join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_sires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 168: dual-write trigger on ra_sires
--   lock: SHARE ROW EXCLUSIVE; touches: ra_sires
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_sires FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_sires();

-- Step 169: refuse TRUNCATE on ra_sires while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_sires
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_sires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 170: reverse trigger on ra_mst_dams: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_dams FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_dams();

-- Step 171: refuse writers' statements on ra_mst_dams until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_dams FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 172: writers of public.ra_dams join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_dams
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_dams FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 173: writers of public.ra_mst_dams join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_dams FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 174: dual-write trigger on ra_dams
--   lock: SHARE ROW EXCLUSIVE; touches: ra_dams
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_dams FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_dams();

-- Step 175: refuse TRUNCATE on ra_dams while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_dams
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_dams FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 176: reverse trigger on ra_mst_damsires: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_damsires FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_damsires();

-- Step 177: refuse writers' statements on ra_mst_damsires until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_damsires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 178: writers of public.ra_damsires join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_damsires
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_damsires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 179: writers of public.ra_mst_damsires join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_damsires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 180: dual-write trigger on ra_damsires
--   lock: SHARE ROW EXCLUSIVE; touches: ra_damsires
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_damsires FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_damsires();

-- Step 181: refuse TRUNCATE on ra_damsires while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_damsires
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_damsires FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 182: reverse trigger on ra_mst_races: writers already moved to the new name keep the old table whole
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
CREATE TRIGGER ra_migrate_reverse_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_mst_races FOR EACH ROW WHEN (current_setting('ra_migrate.replicating', true) IS DISTINCT FROM 'on' AND current_setting('ra_migrate.app_dual_write', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION ra_migrate.reverse_write_ra_races();

-- Step 183: refuse writers' statements on ra_mst_races until it is backfilled
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
CREATE TRIGGER ra_migrate_no_early_write BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_races FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_write_before_backfill();

-- Step 184: writers of public.ra_races join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE; touches: ra_races
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_races FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_old();

-- Step 185: writers of public.ra_mst_races join the write gate before they lock a row
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
CREATE TRIGGER ra_migrate_write_gate BEFORE INSERT OR UPDATE OR DELETE ON public.ra_mst_races FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.write_gate_new();

-- Step 186: dual-write trigger on ra_races
--   lock: SHARE ROW EXCLUSIVE; touches: ra_races
CREATE TRIGGER ra_migrate_dual_write AFTER INSERT OR UPDATE OR DELETE ON public.ra_races FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_races();

-- Step 187: refuse TRUNCATE on ra_races while dual-write runs
--   lock: SHARE ROW EXCLUSIVE; touches: ra_races
CREATE TRIGGER ra_migrate_no_truncate BEFORE TRUNCATE ON public.ra_races FOR EACH STATEMENT EXECUTE FUNCTION ra_migrate.refuse_truncate_during_migration();

-- Step 188: stop enforcing ra_horse_pedigree_sire_id_mst_fkey on ra_horse_pedigree (added by the archive)
--   lock: ACCESS EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_sires wait while it runs); touches: ra_horse_pedigree, ra_mst_sires
ALTER TABLE public.ra_horse_pedigree DROP CONSTRAINT ra_horse_pedigree_sire_id_mst_fkey;

-- Step 189: stop enforcing ra_horse_pedigree_dam_id_mst_fkey on ra_horse_pedigree (added by the archive)
--   lock: ACCESS EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_dams wait while it runs); touches: ra_horse_pedigree, ra_mst_dams
ALTER TABLE public.ra_horse_pedigree DROP CONSTRAINT ra_horse_pedigree_dam_id_mst_fkey;

-- Step 190: stop enforcing ra_horse_pedigree_damsire_id_mst_fkey on ra_horse_pedigree (added by the archive)
--   lock: ACCESS EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_damsires wait while it runs); touches: ra_horse_pedigree, ra_mst_damsires
ALTER TABLE public.ra_horse_pedigree DROP CONSTRAINT ra_horse_pedigree_damsire_id_mst_fkey;

-- Step 191: restore ra_horse_pedigree_horse_id_fkey on ra_horse_pedigree (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horse_pedigree wait while it runs); touches: ra_horse_pedigree, ra_horses
ALTER TABLE public.ra_horse_pedigree ADD CONSTRAINT ra_horse_pedigree_horse_id_fkey FOREIGN KEY (horse_id) REFERENCES ra_horses(id) NOT VALID;

-- Step 192: restore ra_runner_odds_bookmaker_id_fkey on ra_runner_odds (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runner_odds wait while it runs); touches: ra_bookmakers, ra_runner_odds
ALTER TABLE public.ra_runner_odds ADD CONSTRAINT ra_runner_odds_bookmaker_id_fkey FOREIGN KEY (bookmaker_id) REFERENCES ra_bookmakers(id) NOT VALID;

-- Step 193: restore ra_runner_odds_horse_id_fkey on ra_runner_odds (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runner_odds wait while it runs); touches: ra_horses, ra_runner_odds
ALTER TABLE public.ra_runner_odds ADD CONSTRAINT ra_runner_odds_horse_id_fkey FOREIGN KEY (horse_id) REFERENCES ra_horses(id) NOT VALID;

-- Step 194: restore ra_runner_odds_race_id_fkey on ra_runner_odds (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runner_odds wait while it runs); touches: ra_races, ra_runner_odds
ALTER TABLE public.ra_runner_odds ADD CONSTRAINT ra_runner_odds_race_id_fkey FOREIGN KEY (race_id) REFERENCES ra_races(id) NOT VALID;

-- Step 195: restore ra_runners_dam_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_dams, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_dam_id_fkey FOREIGN KEY (dam_id) REFERENCES ra_dams(id) NOT VALID;

-- Step 196: restore ra_runners_damsire_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_damsires, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_damsire_id_fkey FOREIGN KEY (damsire_id) REFERENCES ra_damsires(id) NOT VALID;

-- Step 197: restore ra_runners_horse_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_horses, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_horse_id_fkey FOREIGN KEY (horse_id) REFERENCES ra_horses(id) NOT VALID;

-- Step 198: restore ra_runners_jockey_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_jockeys, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_jockey_id_fkey FOREIGN KEY (jockey_id) REFERENCES ra_jockeys(id) NOT VALID;

-- Step 199: restore ra_runners_owner_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_owners, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES ra_owners(id) NOT VALID;

-- Step 200: restore ra_runners_race_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_races, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_race_id_fkey FOREIGN KEY (race_id) REFERENCES ra_races(id) NOT VALID;

-- Step 201: restore ra_runners_sire_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_runners, ra_sires
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_sire_id_fkey FOREIGN KEY (sire_id) REFERENCES ra_sires(id) NOT VALID;

-- Step 202: restore ra_runners_trainer_id_fkey on ra_runners (NOT VALID; validated below)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_runners wait while it runs); touches: ra_runners, ra_trainers
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_trainer_id_fkey FOREIGN KEY (trainer_id) REFERENCES ra_trainers(id) NOT VALID;

-- Step 203: forget the recorded changes
--   lock: ROW EXCLUSIVE; touches: archive_changes
DELETE FROM ra_migrate.archive_changes;

-- ==== part 2 of 24: step 204, its own transaction, without the phase lock ====

-- Step 204: validate ra_horse_pedigree_horse_id_fkey without blocking writers of ra_horse_pedigree
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horse_pedigree
ALTER TABLE public.ra_horse_pedigree VALIDATE CONSTRAINT ra_horse_pedigree_horse_id_fkey;

-- ==== part 3 of 24: step 205, its own transaction, without the phase lock ====

-- Step 205: validate ra_runner_odds_bookmaker_id_fkey without blocking writers of ra_runner_odds
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runner_odds
ALTER TABLE public.ra_runner_odds VALIDATE CONSTRAINT ra_runner_odds_bookmaker_id_fkey;

-- ==== part 4 of 24: step 206, its own transaction, without the phase lock ====

-- Step 206: validate ra_runner_odds_horse_id_fkey without blocking writers of ra_runner_odds
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runner_odds
ALTER TABLE public.ra_runner_odds VALIDATE CONSTRAINT ra_runner_odds_horse_id_fkey;

-- ==== part 5 of 24: step 207, its own transaction, without the phase lock ====

-- Step 207: validate ra_runner_odds_race_id_fkey without blocking writers of ra_runner_odds
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runner_odds
ALTER TABLE public.ra_runner_odds VALIDATE CONSTRAINT ra_runner_odds_race_id_fkey;

-- ==== part 6 of 24: step 208, its own transaction, without the phase lock ====

-- Step 208: validate ra_runners_dam_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_dam_id_fkey;

-- ==== part 7 of 24: step 209, its own transaction, without the phase lock ====

-- Step 209: validate ra_runners_damsire_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_damsire_id_fkey;

-- ==== part 8 of 24: step 210, its own transaction, without the phase lock ====

-- Step 210: validate ra_runners_horse_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_horse_id_fkey;

-- ==== part 9 of 24: step 211, its own transaction, without the phase lock ====

-- Step 211: validate ra_runners_jockey_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_jockey_id_fkey;

-- ==== part 10 of 24: step 212, its own transaction, without the phase lock ====

-- Step 212: validate ra_runners_owner_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_owner_id_fkey;

-- ==== part 11 of 24: step 213, its own transaction, without the phase lock ====

-- Step 213: validate ra_runners_race_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_race_id_fkey;

-- ==== part 12 of 24: step 214, its own transaction, without the phase lock ====

-- Step 214: validate ra_runners_sire_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_sire_id_fkey;

-- ==== part 13 of 24: step 215, its own transaction, without the phase lock ====

-- Step 215: validate ra_runners_trainer_id_fkey without blocking writers of ra_runners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_trainer_id_fkey;

-- ==== part 14 of 24: step 216, its own transaction, without the phase lock ====

-- Step 216: gather planner statistics of ra_bookmakers
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_bookmakers
ANALYZE public.ra_bookmakers;

-- ==== part 15 of 24: step 217, its own transaction, without the phase lock ====

-- Step 217: gather planner statistics of ra_courses
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_courses
ANALYZE public.ra_courses;

-- ==== part 16 of 24: step 218, its own transaction, without the phase lock ====

-- Step 218: gather planner statistics of ra_horses
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horses
ANALYZE public.ra_horses;

-- ==== part 17 of 24: step 219, its own transaction, without the phase lock ====

-- Step 219: gather planner statistics of ra_jockeys
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_jockeys
ANALYZE public.ra_jockeys;

-- ==== part 18 of 24: step 220, its own transaction, without the phase lock ====

-- Step 220: gather planner statistics of ra_trainers
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_trainers
ANALYZE public.ra_trainers;

-- ==== part 19 of 24: step 221, its own transaction, without the phase lock ====

-- Step 221: gather planner statistics of ra_owners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_owners
ANALYZE public.ra_owners;

-- ==== part 20 of 24: step 222, its own transaction, without the phase lock ====

-- Step 222: gather planner statistics of ra_sires
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_sires
ANALYZE public.ra_sires;

-- ==== part 21 of 24: step 223, its own transaction, without the phase lock ====

-- Step 223: gather planner statistics of ra_dams
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_dams
ANALYZE public.ra_dams;

-- ==== part 22 of 24: step 224, its own transaction, without the phase lock ====

-- Step 224: gather planner statistics of ra_damsires
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_damsires
ANALYZE public.ra_damsires;

-- ==== part 23 of 24: step 225, its own transaction, without the phase lock ====

-- Step 225: gather planner statistics of ra_races
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_races
ANALYZE public.ra_races;

-- ==== part 24 of 24: step 226, its own transaction, without the phase lock ====

-- Step 226: gather planner statistics of ra_race_results
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_race_results
ANALYZE public.ra_race_results;
