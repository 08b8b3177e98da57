-- ra-migrate plan: roll back phase 2 (dual-write)
-- 85 steps in one transaction, with the phase recorded in the same transaction.
-- Each try waits at most lock_timeout = 200ms for a lock; 10 retries on lock timeouts only.
-- Each try first asks for its up-front locks with NOWAIT, again every few ms for up to 1000ms, so writers never queue behind a waiting request; only then does it queue for them.
-- Writers of these tables wait while a step holds its lock: ra_bookmakers, ra_courses, ra_dams, ra_damsires, ra_horses, ra_jockeys, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_owners, ra_races, ra_sires, ra_trainers.
--
-- Notes:
--   * rows already copied into the new masters stay there (the old tables remain the source of truth; rolling back phase 1 drops the copies)

-- ==== part 1 of 1: steps 1 to 85, one transaction under the exclusive phase lock ====

-- Step 1: take the SHARE ROW EXCLUSIVE locks of this transaction up front, in writers' order (every other try in the reverse order)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_bookmakers, ra_courses, ra_dams, ra_damsires, ra_horses, ra_jockeys, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_owners, ra_races, ra_sires, ra_trainers wait while it runs); touches: ra_bookmakers, ra_courses, ra_dams, ra_damsires, ra_horses, ra_jockeys, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_owners, ra_races, ra_sires, ra_trainers
LOCK TABLE public.ra_bookmakers, public.ra_mst_bookmakers, public.ra_courses, public.ra_mst_courses, public.ra_horses, public.ra_mst_horses, public.ra_jockeys, public.ra_mst_jockeys, public.ra_trainers, public.ra_mst_trainers, public.ra_owners, public.ra_mst_owners, public.ra_sires, public.ra_mst_sires, public.ra_dams, public.ra_mst_dams, public.ra_damsires, public.ra_mst_damsires, public.ra_races, public.ra_mst_races IN SHARE ROW EXCLUSIVE MODE;

-- Step 2: remove ra_migrate_dual_write from ra_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_bookmakers wait while it runs); touches: ra_bookmakers
DROP TRIGGER ra_migrate_dual_write ON public.ra_bookmakers;

-- Step 3: remove ra_migrate_no_truncate from ra_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_bookmakers wait while it runs); touches: ra_bookmakers
DROP TRIGGER ra_migrate_no_truncate ON public.ra_bookmakers;

-- Step 4: drop ra_migrate.dual_write_ra_bookmakers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_bookmakers();

-- Step 5: remove ra_migrate_dual_write from ra_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_courses wait while it runs); touches: ra_courses
DROP TRIGGER ra_migrate_dual_write ON public.ra_courses;

-- Step 6: remove ra_migrate_no_truncate from ra_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_courses wait while it runs); touches: ra_courses
DROP TRIGGER ra_migrate_no_truncate ON public.ra_courses;

-- Step 7: drop ra_migrate.dual_write_ra_courses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_courses();

-- Step 8: remove ra_migrate_dual_write from ra_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses
DROP TRIGGER ra_migrate_dual_write ON public.ra_horses;

-- Step 9: remove ra_migrate_no_truncate from ra_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses
DROP TRIGGER ra_migrate_no_truncate ON public.ra_horses;

-- Step 10: drop ra_migrate.dual_write_ra_horses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_horses();

-- Step 11: remove ra_migrate_dual_write from ra_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys
DROP TRIGGER ra_migrate_dual_write ON public.ra_jockeys;

-- Step 12: remove ra_migrate_no_truncate from ra_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys
DROP TRIGGER ra_migrate_no_truncate ON public.ra_jockeys;

-- Step 13: drop ra_migrate.dual_write_ra_jockeys
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_jockeys();

-- Step 14: remove ra_migrate_dual_write from ra_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_trainers
DROP TRIGGER ra_migrate_dual_write ON public.ra_trainers;

-- Step 15: remove ra_migrate_no_truncate from ra_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_trainers
DROP TRIGGER ra_migrate_no_truncate ON public.ra_trainers;

-- Step 16: drop ra_migrate.dual_write_ra_trainers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_trainers();

-- Step 17: remove ra_migrate_dual_write from ra_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_owners
DROP TRIGGER ra_migrate_dual_write ON public.ra_owners;

-- Step 18: remove ra_migrate_no_truncate from ra_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_owners
DROP TRIGGER ra_migrate_no_truncate ON public.ra_owners;

-- Step 19: drop ra_migrate.dual_write_ra_owners
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_owners();

-- Step 20: remove ra_migrate_dual_write from ra_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_sires
DROP TRIGGER ra_migrate_dual_write ON public.ra_sires;

-- Step 21: remove ra_migrate_no_truncate from ra_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_sires
DROP TRIGGER ra_migrate_no_truncate ON public.ra_sires;

-- Step 22: drop ra_migrate.dual_write_ra_sires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_sires();

-- Step 23: remove ra_migrate_dual_write from ra_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams
DROP TRIGGER ra_migrate_dual_write ON public.ra_dams;

-- Step 24: remove ra_migrate_no_truncate from ra_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams
DROP TRIGGER ra_migrate_no_truncate ON public.ra_dams;

-- Step 25: drop ra_migrate.dual_write_ra_dams
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_dams();

-- Step 26: remove ra_migrate_dual_write from ra_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires
DROP TRIGGER ra_migrate_dual_write ON public.ra_damsires;

-- Step 27: remove ra_migrate_no_truncate from ra_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires
DROP TRIGGER ra_migrate_no_truncate ON public.ra_damsires;

-- Step 28: drop ra_migrate.dual_write_ra_damsires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_damsires();

-- Step 29: remove ra_migrate_dual_write from ra_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_races
DROP TRIGGER ra_migrate_dual_write ON public.ra_races;

-- Step 30: remove ra_migrate_no_truncate from ra_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_races
DROP TRIGGER ra_migrate_no_truncate ON public.ra_races;

-- Step 31: drop ra_migrate.dual_write_ra_races
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.dual_write_ra_races();

-- Step 32: remove ra_migrate_reverse_write from ra_mst_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_bookmakers;

-- Step 33: remove ra_migrate_no_early_write from ra_mst_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_bookmakers;

-- Step 34: drop ra_migrate.reverse_write_ra_bookmakers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_bookmakers();

-- Step 35: remove ra_migrate_reverse_write from ra_mst_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_courses;

-- Step 36: remove ra_migrate_no_early_write from ra_mst_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_courses;

-- Step 37: drop ra_migrate.reverse_write_ra_courses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_courses();

-- Step 38: remove ra_migrate_reverse_write from ra_mst_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_horses;

-- Step 39: remove ra_migrate_no_early_write from ra_mst_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_horses;

-- Step 40: drop ra_migrate.reverse_write_ra_horses
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_horses();

-- Step 41: remove ra_migrate_reverse_write from ra_mst_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_jockeys;

-- Step 42: remove ra_migrate_no_early_write from ra_mst_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_jockeys;

-- Step 43: drop ra_migrate.reverse_write_ra_jockeys
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_jockeys();

-- Step 44: remove ra_migrate_reverse_write from ra_mst_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_trainers;

-- Step 45: remove ra_migrate_no_early_write from ra_mst_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_trainers;

-- Step 46: drop ra_migrate.reverse_write_ra_trainers
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_trainers();

-- Step 47: remove ra_migrate_reverse_write from ra_mst_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_owners;

-- Step 48: remove ra_migrate_no_early_write from ra_mst_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_owners;

-- Step 49: drop ra_migrate.reverse_write_ra_owners
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_owners();

-- Step 50: remove ra_migrate_reverse_write from ra_mst_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_sires;

-- Step 51: remove ra_migrate_no_early_write from ra_mst_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_sires;

-- Step 52: drop ra_migrate.reverse_write_ra_sires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_sires();

-- Step 53: remove ra_migrate_reverse_write from ra_mst_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_dams;

-- Step 54: remove ra_migrate_no_early_write from ra_mst_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_dams;

-- Step 55: drop ra_migrate.reverse_write_ra_dams
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_dams();

-- Step 56: remove ra_migrate_reverse_write from ra_mst_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_damsires;

-- Step 57: remove ra_migrate_no_early_write from ra_mst_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_damsires;

-- Step 58: drop ra_migrate.reverse_write_ra_damsires
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_damsires();

-- Step 59: remove ra_migrate_reverse_write from ra_mst_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_reverse_write ON public.ra_mst_races;

-- Step 60: remove ra_migrate_no_early_write from ra_mst_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_no_early_write ON public.ra_mst_races;

-- Step 61: drop ra_migrate.reverse_write_ra_races
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.reverse_write_ra_races();

-- Step 62: remove ra_migrate_write_gate from ra_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_bookmakers wait while it runs); touches: ra_bookmakers
DROP TRIGGER ra_migrate_write_gate ON public.ra_bookmakers;

-- Step 63: remove ra_migrate_write_gate from ra_mst_bookmakers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers wait while it runs); touches: ra_mst_bookmakers
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_bookmakers;

-- Step 64: remove ra_migrate_write_gate from ra_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_courses wait while it runs); touches: ra_courses
DROP TRIGGER ra_migrate_write_gate ON public.ra_courses;

-- Step 65: remove ra_migrate_write_gate from ra_mst_courses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses wait while it runs); touches: ra_mst_courses
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_courses;

-- Step 66: remove ra_migrate_write_gate from ra_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horses wait while it runs); touches: ra_horses
DROP TRIGGER ra_migrate_write_gate ON public.ra_horses;

-- Step 67: remove ra_migrate_write_gate from ra_mst_horses
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses wait while it runs); touches: ra_mst_horses
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_horses;

-- Step 68: remove ra_migrate_write_gate from ra_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_jockeys wait while it runs); touches: ra_jockeys
DROP TRIGGER ra_migrate_write_gate ON public.ra_jockeys;

-- Step 69: remove ra_migrate_write_gate from ra_mst_jockeys
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys wait while it runs); touches: ra_mst_jockeys
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_jockeys;

-- Step 70: remove ra_migrate_write_gate from ra_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_trainers wait while it runs); touches: ra_trainers
DROP TRIGGER ra_migrate_write_gate ON public.ra_trainers;

-- Step 71: remove ra_migrate_write_gate from ra_mst_trainers
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers wait while it runs); touches: ra_mst_trainers
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_trainers;

-- Step 72: remove ra_migrate_write_gate from ra_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_owners wait while it runs); touches: ra_owners
DROP TRIGGER ra_migrate_write_gate ON public.ra_owners;

-- Step 73: remove ra_migrate_write_gate from ra_mst_owners
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners wait while it runs); touches: ra_mst_owners
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_owners;

-- Step 74: remove ra_migrate_write_gate from ra_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_sires wait while it runs); touches: ra_sires
DROP TRIGGER ra_migrate_write_gate ON public.ra_sires;

-- Step 75: remove ra_migrate_write_gate from ra_mst_sires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires wait while it runs); touches: ra_mst_sires
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_sires;

-- Step 76: remove ra_migrate_write_gate from ra_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_dams wait while it runs); touches: ra_dams
DROP TRIGGER ra_migrate_write_gate ON public.ra_dams;

-- Step 77: remove ra_migrate_write_gate from ra_mst_dams
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams wait while it runs); touches: ra_mst_dams
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_dams;

-- Step 78: remove ra_migrate_write_gate from ra_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_damsires wait while it runs); touches: ra_damsires
DROP TRIGGER ra_migrate_write_gate ON public.ra_damsires;

-- Step 79: remove ra_migrate_write_gate from ra_mst_damsires
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires wait while it runs); touches: ra_mst_damsires
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_damsires;

-- Step 80: remove ra_migrate_write_gate from ra_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_races wait while it runs); touches: ra_races
DROP TRIGGER ra_migrate_write_gate ON public.ra_races;

-- Step 81: remove ra_migrate_write_gate from ra_mst_races
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races wait while it runs); touches: ra_mst_races
DROP TRIGGER ra_migrate_write_gate ON public.ra_mst_races;

-- Step 82: drop the write gate's functions
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.write_gate_old(), ra_migrate.write_gate_new();

-- Step 83: drop the write gate
--   lock: none; touches: write_gate
DROP TABLE IF EXISTS ra_migrate.write_gate;

-- Step 84: drop the TRUNCATE guard
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.refuse_truncate_during_migration();

-- Step 85: drop the early-write guard
--   lock: none; touches: -
DROP FUNCTION IF EXISTS ra_migrate.refuse_write_before_backfill();
