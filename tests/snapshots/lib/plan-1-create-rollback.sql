-- ra-migrate plan: roll back phase 1 (create)
-- 11 steps in one transaction, with the phase recorded in the same transaction.
-- Each try waits at most lock_timeout = 200ms for a lock; 10 retries on lock timeouts only.
-- Each try first asks for its up-front locks with NOWAIT, again every few ms for up to 1000ms, so writers never queue behind a waiting request; only then does it queue for them.
-- Writers of these tables wait while a step holds its lock: ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers.

-- ==== part 1 of 1: steps 1 to 11, one transaction under the exclusive phase lock ====

-- Step 1: take the ACCESS EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers wait while it runs); touches: ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers
LOCK TABLE public.ra_mst_bookmakers, public.ra_mst_courses, public.ra_mst_horses, public.ra_mst_jockeys, public.ra_mst_trainers, public.ra_mst_owners, public.ra_mst_sires, public.ra_mst_dams, public.ra_mst_damsires, public.ra_mst_races IN ACCESS EXCLUSIVE MODE;

-- Step 2: drop ra_mst_races (created by phase 1 from ra_races; about 0 rows, copies only: ra_races is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TABLE public.ra_mst_races;

-- Step 3: drop ra_mst_damsires (created by phase 1 from ra_damsires; about 0 rows, copies only: ra_damsires is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TABLE public.ra_mst_damsires;

-- Step 4: drop ra_mst_dams (created by phase 1 from ra_dams; about 0 rows, copies only: ra_dams is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TABLE public.ra_mst_dams;

-- Step 5: drop ra_mst_sires (created by phase 1 from ra_sires; about 0 rows, copies only: ra_sires is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TABLE public.ra_mst_sires;

-- Step 6: drop ra_mst_owners (created by phase 1 from ra_owners; about 0 rows, copies only: ra_owners is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TABLE public.ra_mst_owners;

-- Step 7: drop ra_mst_trainers (created by phase 1 from ra_trainers; about 0 rows, copies only: ra_trainers is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TABLE public.ra_mst_trainers;

-- Step 8: drop ra_mst_jockeys (created by phase 1 from ra_jockeys; about 0 rows, copies only: ra_jockeys is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TABLE public.ra_mst_jockeys;

-- Step 9: drop ra_mst_horses (created by phase 1 from ra_horses; about 0 rows, copies only: ra_horses is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TABLE public.ra_mst_horses;

-- Step 10: drop ra_mst_courses (created by phase 1 from ra_courses; about 0 rows, copies only: ra_courses is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TABLE public.ra_mst_courses;

-- Step 11: drop ra_mst_bookmakers (created by phase 1 from ra_bookmakers; about 0 rows, copies only: ra_bookmakers is untouched) with its own sequences and indexes
--   lock: ACCESS EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TABLE public.ra_mst_bookmakers;
