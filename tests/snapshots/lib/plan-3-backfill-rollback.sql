-- ra-migrate plan: roll back phase 3 (backfill)
-- 18 steps in one transaction, with the phase recorded in the same transaction.
-- Each try waits at most lock_timeout = 200ms for a lock; 10 retries on lock timeouts only.
-- Each try first asks for its up-front locks with NOWAIT, again every few ms for up to 1000ms, so writers never queue behind a waiting request; only then does it queue for them.
-- Writers of these tables wait while a step holds its lock: ra_horse_pedigree, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_runner_odds, ra_runners.
--
-- Notes:
--   * rows copied into the new masters stay: the old tables remain the source of truth until phase 5, and dual-write keeps the copies current

-- ==== part 1 of 1: steps 1 to 18, one transaction under the exclusive phase lock ====

-- Step 1: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_runner_odds, ra_runners wait while it runs); touches: ra_horse_pedigree, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_runner_odds, ra_runners
LOCK TABLE public.ra_horse_pedigree, public.ra_runner_odds, public.ra_runners, public.ra_mst_bookmakers, public.ra_mst_courses, public.ra_mst_horses, public.ra_mst_jockeys, public.ra_mst_trainers, public.ra_mst_owners, public.ra_mst_sires, public.ra_mst_dams, public.ra_mst_damsires, public.ra_mst_races IN ACCESS EXCLUSIVE MODE;

-- Step 2: drop ra_runners_trainer_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_trainers, ra_runners wait while it runs); touches: ra_mst_trainers, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_trainer_id_mst_fkey;

-- Step 3: drop ra_runners_sire_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_sires, ra_runners wait while it runs); touches: ra_mst_sires, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_sire_id_mst_fkey;

-- Step 4: drop ra_runners_race_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_races, ra_runners wait while it runs); touches: ra_mst_races, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_race_id_mst_fkey;

-- Step 5: drop ra_runners_owner_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_owners, ra_runners wait while it runs); touches: ra_mst_owners, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_owner_id_mst_fkey;

-- Step 6: drop ra_runners_jockey_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_jockeys, ra_runners wait while it runs); touches: ra_mst_jockeys, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_jockey_id_mst_fkey;

-- Step 7: drop ra_runners_horse_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_horses, ra_runners wait while it runs); touches: ra_mst_horses, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_horse_id_mst_fkey;

-- Step 8: drop ra_runners_damsire_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_damsires, ra_runners wait while it runs); touches: ra_mst_damsires, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_damsire_id_mst_fkey;

-- Step 9: drop ra_runners_dam_id_mst_fkey from ra_runners
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_dams, ra_runners wait while it runs); touches: ra_mst_dams, ra_runners
ALTER TABLE public.ra_runners DROP CONSTRAINT ra_runners_dam_id_mst_fkey;

-- Step 10: drop ra_runner_odds_race_id_mst_fkey from ra_runner_odds
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_races, ra_runner_odds wait while it runs); touches: ra_mst_races, ra_runner_odds
ALTER TABLE public.ra_runner_odds DROP CONSTRAINT ra_runner_odds_race_id_mst_fkey;

-- Step 11: drop ra_runner_odds_horse_id_mst_fkey from ra_runner_odds
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_horses, ra_runner_odds wait while it runs); touches: ra_mst_horses, ra_runner_odds
ALTER TABLE public.ra_runner_odds DROP CONSTRAINT ra_runner_odds_horse_id_mst_fkey;

-- Step 12: drop ra_runner_odds_bookmaker_id_mst_fkey from ra_runner_odds
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_bookmakers, ra_runner_odds wait while it runs); touches: ra_mst_bookmakers, ra_runner_odds
ALTER TABLE public.ra_runner_odds DROP CONSTRAINT ra_runner_odds_bookmaker_id_mst_fkey;

-- Step 13: drop ra_horse_pedigree_horse_id_mst_fkey from ra_horse_pedigree
--   lock: ACCESS EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_horses wait while it runs); touches: ra_horse_pedigree, ra_mst_horses
ALTER TABLE public.ra_horse_pedigree DROP CONSTRAINT ra_horse_pedigree_horse_id_mst_fkey;

-- Step 14: drop ra_mst_races_course_id_fkey from ra_mst_races
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_courses, ra_mst_races wait while it runs); touches: ra_mst_courses, ra_mst_races
ALTER TABLE public.ra_mst_races DROP CONSTRAINT ra_mst_races_course_id_fkey;

-- Step 15: drop ra_mst_damsires_horse_id_fkey from ra_mst_damsires
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_damsires, ra_mst_horses wait while it runs); touches: ra_mst_damsires, ra_mst_horses
ALTER TABLE public.ra_mst_damsires DROP CONSTRAINT ra_mst_damsires_horse_id_fkey;

-- Step 16: drop ra_mst_dams_horse_id_fkey from ra_mst_dams
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_dams, ra_mst_horses wait while it runs); touches: ra_mst_dams, ra_mst_horses
ALTER TABLE public.ra_mst_dams DROP CONSTRAINT ra_mst_dams_horse_id_fkey;

-- Step 17: drop ra_mst_sires_horse_id_fkey from ra_mst_sires
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_horses, ra_mst_sires wait while it runs); touches: ra_mst_horses, ra_mst_sires
ALTER TABLE public.ra_mst_sires DROP CONSTRAINT ra_mst_sires_horse_id_fkey;

-- Step 18: forget the backfill checkpoints
--   lock: ROW EXCLUSIVE; touches: backfill_checkpoint
DELETE FROM ra_migrate.backfill_checkpoint;
