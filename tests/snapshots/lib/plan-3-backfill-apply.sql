-- ra-migrate plan: apply phase 3 (backfill)
-- 52 steps in 52 parts, each one transaction or, for a copy, one transaction per keyset batch (checkpointed); resumable: after a crash run the same command again.
-- Each try waits at most lock_timeout = 200ms for a lock; 10 retries on lock timeouts only.
-- Writers of these tables wait while a step holds its lock: ra_horse_pedigree, ra_mst_bookmakers, ra_mst_courses, ra_mst_dams, ra_mst_damsires, ra_mst_horses, ra_mst_jockeys, ra_mst_owners, ra_mst_races, ra_mst_sires, ra_mst_trainers, ra_runner_odds, ra_runners.
--
-- Notes:
--   * each batch is its own short transaction: it locks only the rows it copies (FOR SHARE), so writers of other rows never wait and a racing delete cannot resurrect a row
--   * the old row, locked while it is copied, is the truth: a copy that differs from it (left by an earlier run while dual-write was off) is overwritten, and copies whose old row is gone are removed, batch by batch; equal copies are not touched
--   * progress is checkpointed per table in ra_migrate.backfill_checkpoint: after a crash, run apply 3 again to continue
--   * ra_horse_pedigree.sire_id -> ra_mst_sires: never enforced by the legacy schema, so not enforced yet (0 orphan value(s) now); `ra-migrate validate` reports its orphans and phase 5 adds ra_horse_pedigree_sire_id_mst_fkey
--   * ra_horse_pedigree.dam_id -> ra_mst_dams: never enforced by the legacy schema, so not enforced yet (0 orphan value(s) now); `ra-migrate validate` reports its orphans and phase 5 adds ra_horse_pedigree_dam_id_mst_fkey
--   * ra_horse_pedigree.damsire_id -> ra_mst_damsires: never enforced by the legacy schema, so not enforced yet (0 orphan value(s) now); `ra-migrate validate` reports its orphans and phase 5 adds ra_horse_pedigree_damsire_id_mst_fkey
--   * a second session gathers the new masters' statistics and makes verification's content comparison (in one snapshot, after the last copy) while this one validates the foreign keys; the phase is recorded when both are done

-- ==== part 1 of 52: step 1, keyset batches, each its own transaction, on a second session beside the steps after it ====

-- Step 1: copy ra_bookmakers into ra_mst_bookmakers in keyset batches (about 19 rows)
--   lock: ROW EXCLUSIVE; touches: ra_bookmakers, ra_mst_bookmakers
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, code, is_active, created_at, type FROM public.ra_bookmakers WHERE (id) > (($1::text[])[1]::bigint) AND (id) <= (($2::text[])[1]::bigint) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_bookmakers AS n (id, name, code, is_active, created_at, type) SELECT id, name, code, is_active, created_at, type FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, code = EXCLUDED.code, is_active = EXCLUDED.is_active, created_at = EXCLUDED.created_at, type = EXCLUDED.type WHERE ROW(n.name, n.code, n.is_active, n.created_at, n.type)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.code, EXCLUDED.is_active, EXCLUDED.created_at, EXCLUDED.type)::text;

-- ==== part 2 of 52: step 2, keyset batches, each its own transaction, on a second session beside the steps after it ====

-- Step 2: copy ra_courses into ra_mst_courses in keyset batches (about 101 rows)
--   lock: ROW EXCLUSIVE; touches: ra_courses, ra_mst_courses
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, region_code, region, longitude, latitude, created_at, updated_at FROM public.ra_courses WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_courses AS n (id, name, region_code, region, longitude, latitude, created_at, updated_at) SELECT id, name, region_code, region, longitude, latitude, created_at, updated_at FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code, region = EXCLUDED.region, longitude = EXCLUDED.longitude, latitude = EXCLUDED.latitude, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at WHERE ROW(n.name, n.region_code, n.region, n.longitude, n.latitude, n.created_at, n.updated_at)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.region_code, EXCLUDED.region, EXCLUDED.longitude, EXCLUDED.latitude, EXCLUDED.created_at, EXCLUDED.updated_at)::text;

-- ==== part 3 of 52: step 3, keyset batches, each its own transaction, on a second session beside the steps after it ====

-- Step 3: copy ra_horses into ra_mst_horses in keyset batches (about 222 rows)
--   lock: ROW EXCLUSIVE; touches: ra_horses, ra_mst_horses
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at FROM public.ra_horses WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_horses AS n (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at) SELECT id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region, created_at, updated_at FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sire_id = EXCLUDED.sire_id, dam_id = EXCLUDED.dam_id, damsire_id = EXCLUDED.damsire_id, dob = EXCLUDED.dob, age = EXCLUDED.age, sex = EXCLUDED.sex, sex_code = EXCLUDED.sex_code, colour = EXCLUDED.colour, colour_code = EXCLUDED.colour_code, breeder = EXCLUDED.breeder, region = EXCLUDED.region, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at WHERE ROW(n.name, n.sire_id, n.dam_id, n.damsire_id, n.dob, n.age, n.sex, n.sex_code, n.colour, n.colour_code, n.breeder, n.region, n.created_at, n.updated_at)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.sire_id, EXCLUDED.dam_id, EXCLUDED.damsire_id, EXCLUDED.dob, EXCLUDED.age, EXCLUDED.sex, EXCLUDED.sex_code, EXCLUDED.colour, EXCLUDED.colour_code, EXCLUDED.breeder, EXCLUDED.region, EXCLUDED.created_at, EXCLUDED.updated_at)::text;

-- ==== part 4 of 52: step 4, keyset batches, each its own transaction, on a second session beside the steps after it ====

-- Step 4: copy ra_jockeys into ra_mst_jockeys in keyset batches (about 7 rows)
--   lock: ROW EXCLUSIVE; touches: ra_jockeys, ra_mst_jockeys
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate FROM public.ra_jockeys WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_jockeys AS n (id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate) SELECT id, name, created_at, updated_at, total_rides, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_ride_date, last_win_date, days_since_last_ride, days_since_last_win, recent_14d_rides, recent_14d_wins, recent_14d_win_rate, recent_30d_rides, recent_30d_wins, recent_30d_win_rate FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_rides = EXCLUDED.total_rides, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_ride_date = EXCLUDED.last_ride_date, last_win_date = EXCLUDED.last_win_date, days_since_last_ride = EXCLUDED.days_since_last_ride, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_rides = EXCLUDED.recent_14d_rides, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_rides = EXCLUDED.recent_30d_rides, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate WHERE ROW(n.name, n.created_at, n.updated_at, n.total_rides, n.total_wins, n.total_places, n.total_seconds, n.total_thirds, n.win_rate, n.place_rate, n.stats_updated_at, n.last_ride_date, n.last_win_date, n.days_since_last_ride, n.days_since_last_win, n.recent_14d_rides, n.recent_14d_wins, n.recent_14d_win_rate, n.recent_30d_rides, n.recent_30d_wins, n.recent_30d_win_rate)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED.total_rides, EXCLUDED.total_wins, EXCLUDED.total_places, EXCLUDED.total_seconds, EXCLUDED.total_thirds, EXCLUDED.win_rate, EXCLUDED.place_rate, EXCLUDED.stats_updated_at, EXCLUDED.last_ride_date, EXCLUDED.last_win_date, EXCLUDED.days_since_last_ride, EXCLUDED.days_since_last_win, EXCLUDED.recent_14d_rides, EXCLUDED.recent_14d_wins, EXCLUDED.recent_14d_win_rate, EXCLUDED.recent_30d_rides, EXCLUDED.recent_30d_wins, EXCLUDED.recent_30d_win_rate)::text;

-- ==== part 5 of 52: step 5, keyset batches, each its own transaction ====

-- Step 5: copy ra_trainers into ra_mst_trainers in keyset batches (about 6 rows)
--   lock: ROW EXCLUSIVE; touches: ra_mst_trainers, ra_trainers
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate FROM public.ra_trainers WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_trainers AS n (id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) SELECT id, name, location, created_at, updated_at, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, location = EXCLUDED.location, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate WHERE ROW(n.name, n.location, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places, n.total_seconds, n.total_thirds, n.win_rate, n.place_rate, n.stats_updated_at, n.last_runner_date, n.last_win_date, n.days_since_last_runner, n.days_since_last_win, n.recent_14d_runs, n.recent_14d_wins, n.recent_14d_win_rate, n.recent_30d_runs, n.recent_30d_wins, n.recent_30d_win_rate)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.location, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED.total_runners, EXCLUDED.total_wins, EXCLUDED.total_places, EXCLUDED.total_seconds, EXCLUDED.total_thirds, EXCLUDED.win_rate, EXCLUDED.place_rate, EXCLUDED.stats_updated_at, EXCLUDED.last_runner_date, EXCLUDED.last_win_date, EXCLUDED.days_since_last_runner, EXCLUDED.days_since_last_win, EXCLUDED.recent_14d_runs, EXCLUDED.recent_14d_wins, EXCLUDED.recent_14d_win_rate, EXCLUDED.recent_30d_runs, EXCLUDED.recent_30d_wins, EXCLUDED.recent_30d_win_rate)::text;

-- ==== part 6 of 52: step 6, keyset batches, each its own transaction, on a second session beside the steps after it ====

-- Step 6: copy ra_owners into ra_mst_owners in keyset batches (about 96 rows)
--   lock: ROW EXCLUSIVE; touches: ra_mst_owners, ra_owners
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate FROM public.ra_owners WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_owners AS n (id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate) SELECT id, name, created_at, updated_at, total_horses, total_runners, total_wins, total_places, total_seconds, total_thirds, win_rate, place_rate, active_last_30d, stats_updated_at, last_runner_date, last_win_date, days_since_last_runner, days_since_last_win, recent_14d_runs, recent_14d_wins, recent_14d_win_rate, recent_30d_runs, recent_30d_wins, recent_30d_win_rate FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_horses = EXCLUDED.total_horses, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places = EXCLUDED.total_places, total_seconds = EXCLUDED.total_seconds, total_thirds = EXCLUDED.total_thirds, win_rate = EXCLUDED.win_rate, place_rate = EXCLUDED.place_rate, active_last_30d = EXCLUDED.active_last_30d, stats_updated_at = EXCLUDED.stats_updated_at, last_runner_date = EXCLUDED.last_runner_date, last_win_date = EXCLUDED.last_win_date, days_since_last_runner = EXCLUDED.days_since_last_runner, days_since_last_win = EXCLUDED.days_since_last_win, recent_14d_runs = EXCLUDED.recent_14d_runs, recent_14d_wins = EXCLUDED.recent_14d_wins, recent_14d_win_rate = EXCLUDED.recent_14d_win_rate, recent_30d_runs = EXCLUDED.recent_30d_runs, recent_30d_wins = EXCLUDED.recent_30d_wins, recent_30d_win_rate = EXCLUDED.recent_30d_win_rate WHERE ROW(n.name, n.created_at, n.updated_at, n.total_horses, n.total_runners, n.total_wins, n.total_places, n.total_seconds, n.total_thirds, n.win_rate, n.place_rate, n.active_last_30d, n.stats_updated_at, n.last_runner_date, n.last_win_date, n.days_since_last_runner, n.days_since_last_win, n.recent_14d_runs, n.recent_14d_wins, n.recent_14d_win_rate, n.recent_30d_runs, n.recent_30d_wins, n.recent_30d_win_rate)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED.total_horses, EXCLUDED.total_runners, EXCLUDED.total_wins, EXCLUDED.total_places, EXCLUDED.total_seconds, EXCLUDED.total_thirds, EXCLUDED.win_rate, EXCLUDED.place_rate, EXCLUDED.active_last_30d, EXCLUDED.stats_updated_at, EXCLUDED.last_runner_date, EXCLUDED.last_win_date, EXCLUDED.days_since_last_runner, EXCLUDED.days_since_last_win, EXCLUDED.recent_14d_runs, EXCLUDED.recent_14d_wins, EXCLUDED.recent_14d_win_rate, EXCLUDED.recent_30d_runs, EXCLUDED.recent_30d_wins, EXCLUDED.recent_30d_win_rate)::text;

-- ==== part 7 of 52: step 7, keyset batches, each its own transaction, on a second session beside the steps after it ====

-- Step 7: copy ra_sires into ra_mst_sires in keyset batches (about 6 rows)
--   lock: ROW EXCLUSIVE; touches: ra_mst_sires, ra_sires
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae FROM public.ra_sires WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_sires AS n (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) SELECT id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae WHERE ROW(n.name, n.horse_id, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places_2nd, n.total_places_3rd, n.overall_win_percent, n.overall_ae_index, n.best_class, n.best_class_ae, n.best_distance, n.best_distance_ae, n.analysis_last_updated, n.data_quality_score, n.class_1_name, n.class_1_runners, n.class_1_wins, n.class_1_win_percent, n.class_1_ae, n.class_2_name, n.class_2_runners, n.class_2_wins, n.class_2_win_percent, n.class_2_ae, n.class_3_name, n.class_3_runners, n.class_3_wins, n.class_3_win_percent, n.class_3_ae, n.distance_1_name, n.distance_1_runners, n.distance_1_wins, n.distance_1_win_percent, n.distance_1_ae, n.distance_2_name, n.distance_2_runners, n.distance_2_wins, n.distance_2_win_percent, n.distance_2_ae, n.distance_3_name, n.distance_3_runners, n.distance_3_wins, n.distance_3_win_percent, n.distance_3_ae)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.horse_id, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED.total_runners, EXCLUDED.total_wins, EXCLUDED.total_places_2nd, EXCLUDED.total_places_3rd, EXCLUDED.overall_win_percent, EXCLUDED.overall_ae_index, EXCLUDED.best_class, EXCLUDED.best_class_ae, EXCLUDED.best_distance, EXCLUDED.best_distance_ae, EXCLUDED.analysis_last_updated, EXCLUDED.data_quality_score, EXCLUDED.class_1_name, EXCLUDED.class_1_runners, EXCLUDED.class_1_wins, EXCLUDED.class_1_win_percent, EXCLUDED.class_1_ae, EXCLUDED.class_2_name, EXCLUDED.class_2_runners, EXCLUDED.class_2_wins, EXCLUDED.class_2_win_percent, EXCLUDED.class_2_ae, EXCLUDED.class_3_name, EXCLUDED.class_3_runners, EXCLUDED.class_3_wins, EXCLUDED.class_3_win_percent, EXCLUDED.class_3_ae, EXCLUDED.distance_1_name, EXCLUDED.distance_1_runners, EXCLUDED.distance_1_wins, EXCLUDED.distance_1_win_percent, EXCLUDED.distance_1_ae, EXCLUDED.distance_2_name, EXCLUDED.distance_2_runners, EXCLUDED.distance_2_wins, EXCLUDED.distance_2_win_percent, EXCLUDED.distance_2_ae, EXCLUDED.distance_3_name, EXCLUDED.distance_3_runners, EXCLUDED.distance_3_wins, EXCLUDED.distance_3_win_percent, EXCLUDED.distance_3_ae)::text;

-- ==== part 8 of 52: step 8, keyset batches, each its own transaction, on a second session beside the steps after it ====

-- Step 8: copy ra_dams into ra_mst_dams in keyset batches (about 132 rows)
--   lock: ROW EXCLUSIVE; touches: ra_dams, ra_mst_dams
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae FROM public.ra_dams WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_dams AS n (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) SELECT id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae WHERE ROW(n.name, n.horse_id, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places_2nd, n.total_places_3rd, n.overall_win_percent, n.overall_ae_index, n.best_class, n.best_class_ae, n.best_distance, n.best_distance_ae, n.analysis_last_updated, n.data_quality_score, n.class_1_name, n.class_1_runners, n.class_1_wins, n.class_1_win_percent, n.class_1_ae, n.class_2_name, n.class_2_runners, n.class_2_wins, n.class_2_win_percent, n.class_2_ae, n.class_3_name, n.class_3_runners, n.class_3_wins, n.class_3_win_percent, n.class_3_ae, n.distance_1_name, n.distance_1_runners, n.distance_1_wins, n.distance_1_win_percent, n.distance_1_ae, n.distance_2_name, n.distance_2_runners, n.distance_2_wins, n.distance_2_win_percent, n.distance_2_ae, n.distance_3_name, n.distance_3_runners, n.distance_3_wins, n.distance_3_win_percent, n.distance_3_ae)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.horse_id, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED.total_runners, EXCLUDED.total_wins, EXCLUDED.total_places_2nd, EXCLUDED.total_places_3rd, EXCLUDED.overall_win_percent, EXCLUDED.overall_ae_index, EXCLUDED.best_class, EXCLUDED.best_class_ae, EXCLUDED.best_distance, EXCLUDED.best_distance_ae, EXCLUDED.analysis_last_updated, EXCLUDED.data_quality_score, EXCLUDED.class_1_name, EXCLUDED.class_1_runners, EXCLUDED.class_1_wins, EXCLUDED.class_1_win_percent, EXCLUDED.class_1_ae, EXCLUDED.class_2_name, EXCLUDED.class_2_runners, EXCLUDED.class_2_wins, EXCLUDED.class_2_win_percent, EXCLUDED.class_2_ae, EXCLUDED.class_3_name, EXCLUDED.class_3_runners, EXCLUDED.class_3_wins, EXCLUDED.class_3_win_percent, EXCLUDED.class_3_ae, EXCLUDED.distance_1_name, EXCLUDED.distance_1_runners, EXCLUDED.distance_1_wins, EXCLUDED.distance_1_win_percent, EXCLUDED.distance_1_ae, EXCLUDED.distance_2_name, EXCLUDED.distance_2_runners, EXCLUDED.distance_2_wins, EXCLUDED.distance_2_win_percent, EXCLUDED.distance_2_ae, EXCLUDED.distance_3_name, EXCLUDED.distance_3_runners, EXCLUDED.distance_3_wins, EXCLUDED.distance_3_win_percent, EXCLUDED.distance_3_ae)::text;

-- ==== part 9 of 52: step 9, keyset batches, each its own transaction ====

-- Step 9: copy ra_damsires into ra_mst_damsires in keyset batches (about 10 rows)
--   lock: ROW EXCLUSIVE; touches: ra_damsires, ra_mst_damsires
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae FROM public.ra_damsires WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_damsires AS n (id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae) SELECT id, name, horse_id, created_at, updated_at, total_runners, total_wins, total_places_2nd, total_places_3rd, overall_win_percent, overall_ae_index, best_class, best_class_ae, best_distance, best_distance_ae, analysis_last_updated, data_quality_score, class_1_name, class_1_runners, class_1_wins, class_1_win_percent, class_1_ae, class_2_name, class_2_runners, class_2_wins, class_2_win_percent, class_2_ae, class_3_name, class_3_runners, class_3_wins, class_3_win_percent, class_3_ae, distance_1_name, distance_1_runners, distance_1_wins, distance_1_win_percent, distance_1_ae, distance_2_name, distance_2_runners, distance_2_wins, distance_2_win_percent, distance_2_ae, distance_3_name, distance_3_runners, distance_3_wins, distance_3_win_percent, distance_3_ae FROM batch ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, horse_id = EXCLUDED.horse_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, total_runners = EXCLUDED.total_runners, total_wins = EXCLUDED.total_wins, total_places_2nd = EXCLUDED.total_places_2nd, total_places_3rd = EXCLUDED.total_places_3rd, overall_win_percent = EXCLUDED.overall_win_percent, overall_ae_index = EXCLUDED.overall_ae_index, best_class = EXCLUDED.best_class, best_class_ae = EXCLUDED.best_class_ae, best_distance = EXCLUDED.best_distance, best_distance_ae = EXCLUDED.best_distance_ae, analysis_last_updated = EXCLUDED.analysis_last_updated, data_quality_score = EXCLUDED.data_quality_score, class_1_name = EXCLUDED.class_1_name, class_1_runners = EXCLUDED.class_1_runners, class_1_wins = EXCLUDED.class_1_wins, class_1_win_percent = EXCLUDED.class_1_win_percent, class_1_ae = EXCLUDED.class_1_ae, class_2_name = EXCLUDED.class_2_name, class_2_runners = EXCLUDED.class_2_runners, class_2_wins = EXCLUDED.class_2_wins, class_2_win_percent = EXCLUDED.class_2_win_percent, class_2_ae = EXCLUDED.class_2_ae, class_3_name = EXCLUDED.class_3_name, class_3_runners = EXCLUDED.class_3_runners, class_3_wins = EXCLUDED.class_3_wins, class_3_win_percent = EXCLUDED.class_3_win_percent, class_3_ae = EXCLUDED.class_3_ae, distance_1_name = EXCLUDED.distance_1_name, distance_1_runners = EXCLUDED.distance_1_runners, distance_1_wins = EXCLUDED.distance_1_wins, distance_1_win_percent = EXCLUDED.distance_1_win_percent, distance_1_ae = EXCLUDED.distance_1_ae, distance_2_name = EXCLUDED.distance_2_name, distance_2_runners = EXCLUDED.distance_2_runners, distance_2_wins = EXCLUDED.distance_2_wins, distance_2_win_percent = EXCLUDED.distance_2_win_percent, distance_2_ae = EXCLUDED.distance_2_ae, distance_3_name = EXCLUDED.distance_3_name, distance_3_runners = EXCLUDED.distance_3_runners, distance_3_wins = EXCLUDED.distance_3_wins, distance_3_win_percent = EXCLUDED.distance_3_win_percent, distance_3_ae = EXCLUDED.distance_3_ae WHERE ROW(n.name, n.horse_id, n.created_at, n.updated_at, n.total_runners, n.total_wins, n.total_places_2nd, n.total_places_3rd, n.overall_win_percent, n.overall_ae_index, n.best_class, n.best_class_ae, n.best_distance, n.best_distance_ae, n.analysis_last_updated, n.data_quality_score, n.class_1_name, n.class_1_runners, n.class_1_wins, n.class_1_win_percent, n.class_1_ae, n.class_2_name, n.class_2_runners, n.class_2_wins, n.class_2_win_percent, n.class_2_ae, n.class_3_name, n.class_3_runners, n.class_3_wins, n.class_3_win_percent, n.class_3_ae, n.distance_1_name, n.distance_1_runners, n.distance_1_wins, n.distance_1_win_percent, n.distance_1_ae, n.distance_2_name, n.distance_2_runners, n.distance_2_wins, n.distance_2_win_percent, n.distance_2_ae, n.distance_3_name, n.distance_3_runners, n.distance_3_wins, n.distance_3_win_percent, n.distance_3_ae)::text IS DISTINCT FROM ROW(EXCLUDED.name, EXCLUDED.horse_id, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED.total_runners, EXCLUDED.total_wins, EXCLUDED.total_places_2nd, EXCLUDED.total_places_3rd, EXCLUDED.overall_win_percent, EXCLUDED.overall_ae_index, EXCLUDED.best_class, EXCLUDED.best_class_ae, EXCLUDED.best_distance, EXCLUDED.best_distance_ae, EXCLUDED.analysis_last_updated, EXCLUDED.data_quality_score, EXCLUDED.class_1_name, EXCLUDED.class_1_runners, EXCLUDED.class_1_wins, EXCLUDED.class_1_win_percent, EXCLUDED.class_1_ae, EXCLUDED.class_2_name, EXCLUDED.class_2_runners, EXCLUDED.class_2_wins, EXCLUDED.class_2_win_percent, EXCLUDED.class_2_ae, EXCLUDED.class_3_name, EXCLUDED.class_3_runners, EXCLUDED.class_3_wins, EXCLUDED.class_3_win_percent, EXCLUDED.class_3_ae, EXCLUDED.distance_1_name, EXCLUDED.distance_1_runners, EXCLUDED.distance_1_wins, EXCLUDED.distance_1_win_percent, EXCLUDED.distance_1_ae, EXCLUDED.distance_2_name, EXCLUDED.distance_2_runners, EXCLUDED.distance_2_wins, EXCLUDED.distance_2_win_percent, EXCLUDED.distance_2_ae, EXCLUDED.distance_3_name, EXCLUDED.distance_3_runners, EXCLUDED.distance_3_wins, EXCLUDED.distance_3_win_percent, EXCLUDED.distance_3_ae)::text;

-- ==== part 10 of 52: step 10, keyset batches, each its own transaction ====

-- Step 10: copy ra_races into ra_mst_races in keyset batches (about 286 rows)
--   lock: ROW EXCLUSIVE; touches: ra_mst_races, ra_races
--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):
WITH batch AS (SELECT id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time" FROM public.ra_races WHERE (id) > (($1::text[])[1]::character varying(50)) AND (id) <= (($2::text[])[1]::character varying(50)) ORDER BY id FOR SHARE) INSERT INTO public.ra_mst_races AS n (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time") SELECT id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance, distance_round, distance_f, distance_m, region, type, surface, going, going_detailed, pattern, race_class, age_band, sex_restriction, rating_band, prize, field_size, stalls, rail_movements, weather, jumps, is_big_race, is_abandoned, has_result, winning_time, winning_time_detail, comments, non_runners, tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta, tip, verdict, betting_forecast, meet_id, created_at, updated_at, "time" FROM batch ON CONFLICT (id) DO UPDATE SET course_id = EXCLUDED.course_id, course_name = EXCLUDED.course_name, date = EXCLUDED.date, off_time = EXCLUDED.off_time, off_dt = EXCLUDED.off_dt, race_name = EXCLUDED.race_name, race_number = EXCLUDED.race_number, distance = EXCLUDED.distance, distance_round = EXCLUDED.distance_round, distance_f = EXCLUDED.distance_f, distance_m = EXCLUDED.distance_m, region = EXCLUDED.region, type = EXCLUDED.type, surface = EXCLUDED.surface, going = EXCLUDED.going, going_detailed = EXCLUDED.going_detailed, pattern = EXCLUDED.pattern, race_class = EXCLUDED.race_class, age_band = EXCLUDED.age_band, sex_restriction = EXCLUDED.sex_restriction, rating_band = EXCLUDED.rating_band, prize = EXCLUDED.prize, field_size = EXCLUDED.field_size, stalls = EXCLUDED.stalls, rail_movements = EXCLUDED.rail_movements, weather = EXCLUDED.weather, jumps = EXCLUDED.jumps, is_big_race = EXCLUDED.is_big_race, is_abandoned = EXCLUDED.is_abandoned, has_result = EXCLUDED.has_result, winning_time = EXCLUDED.winning_time, winning_time_detail = EXCLUDED.winning_time_detail, comments = EXCLUDED.comments, non_runners = EXCLUDED.non_runners, tote_win = EXCLUDED.tote_win, tote_pl = EXCLUDED.tote_pl, tote_ex = EXCLUDED.tote_ex, tote_csf = EXCLUDED.tote_csf, tote_tricast = EXCLUDED.tote_tricast, tote_trifecta = EXCLUDED.tote_trifecta, tip = EXCLUDED.tip, verdict = EXCLUDED.verdict, betting_forecast = EXCLUDED.betting_forecast, meet_id = EXCLUDED.meet_id, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, "time" = EXCLUDED."time" WHERE ROW(n.course_id, n.course_name, n.date, n.off_time, n.off_dt, n.race_name, n.race_number, n.distance, n.distance_round, n.distance_f, n.distance_m, n.region, n.type, n.surface, n.going, n.going_detailed, n.pattern, n.race_class, n.age_band, n.sex_restriction, n.rating_band, n.prize, n.field_size, n.stalls, n.rail_movements, n.weather, n.jumps, n.is_big_race, n.is_abandoned, n.has_result, n.winning_time, n.winning_time_detail, n.comments, n.non_runners, n.tote_win, n.tote_pl, n.tote_ex, n.tote_csf, n.tote_tricast, n.tote_trifecta, n.tip, n.verdict, n.betting_forecast, n.meet_id, n.created_at, n.updated_at, n."time")::text IS DISTINCT FROM ROW(EXCLUDED.course_id, EXCLUDED.course_name, EXCLUDED.date, EXCLUDED.off_time, EXCLUDED.off_dt, EXCLUDED.race_name, EXCLUDED.race_number, EXCLUDED.distance, EXCLUDED.distance_round, EXCLUDED.distance_f, EXCLUDED.distance_m, EXCLUDED.region, EXCLUDED.type, EXCLUDED.surface, EXCLUDED.going, EXCLUDED.going_detailed, EXCLUDED.pattern, EXCLUDED.race_class, EXCLUDED.age_band, EXCLUDED.sex_restriction, EXCLUDED.rating_band, EXCLUDED.prize, EXCLUDED.field_size, EXCLUDED.stalls, EXCLUDED.rail_movements, EXCLUDED.weather, EXCLUDED.jumps, EXCLUDED.is_big_race, EXCLUDED.is_abandoned, EXCLUDED.has_result, EXCLUDED.winning_time, EXCLUDED.winning_time_detail, EXCLUDED.comments, EXCLUDED.non_runners, EXCLUDED.tote_win, EXCLUDED.tote_pl, EXCLUDED.tote_ex, EXCLUDED.tote_csf, EXCLUDED.tote_tricast, EXCLUDED.tote_trifecta, EXCLUDED.tip, EXCLUDED.verdict, EXCLUDED.betting_forecast, EXCLUDED.meet_id, EXCLUDED.created_at, EXCLUDED.updated_at, EXCLUDED."time")::text;

-- ==== part 11 of 52: step 11, once the second session is done, its own transaction under the exclusive phase lock ====

-- Step 11: add ra_mst_sires_horse_id_fkey on ra_mst_sires(horse_id) -> ra_mst_horses NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses, ra_mst_sires wait while it runs); touches: ra_mst_horses, ra_mst_sires
ALTER TABLE public.ra_mst_sires ADD CONSTRAINT ra_mst_sires_horse_id_fkey FOREIGN KEY (horse_id) REFERENCES public.ra_mst_horses(id) NOT VALID;

-- ==== part 12 of 52: step 12, its own transaction under the exclusive phase lock ====

-- Step 12: add ra_mst_dams_horse_id_fkey on ra_mst_dams(horse_id) -> ra_mst_horses NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams, ra_mst_horses wait while it runs); touches: ra_mst_dams, ra_mst_horses
ALTER TABLE public.ra_mst_dams ADD CONSTRAINT ra_mst_dams_horse_id_fkey FOREIGN KEY (horse_id) REFERENCES public.ra_mst_horses(id) NOT VALID;

-- ==== part 13 of 52: step 13, its own transaction under the exclusive phase lock ====

-- Step 13: add ra_mst_damsires_horse_id_fkey on ra_mst_damsires(horse_id) -> ra_mst_horses NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires, ra_mst_horses wait while it runs); touches: ra_mst_damsires, ra_mst_horses
ALTER TABLE public.ra_mst_damsires ADD CONSTRAINT ra_mst_damsires_horse_id_fkey FOREIGN KEY (horse_id) REFERENCES public.ra_mst_horses(id) NOT VALID;

-- ==== part 14 of 52: step 14, its own transaction under the exclusive phase lock ====

-- Step 14: add ra_mst_races_course_id_fkey on ra_mst_races(course_id) -> ra_mst_courses NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_courses, ra_mst_races wait while it runs); touches: ra_mst_courses, ra_mst_races
ALTER TABLE public.ra_mst_races ADD CONSTRAINT ra_mst_races_course_id_fkey FOREIGN KEY (course_id) REFERENCES public.ra_mst_courses(id) NOT VALID;

-- ==== part 15 of 52: step 15, its own transaction under the exclusive phase lock ====

-- Step 15: add ra_horse_pedigree_horse_id_mst_fkey on ra_horse_pedigree(horse_id) -> ra_mst_horses NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_horse_pedigree, ra_mst_horses wait while it runs); touches: ra_horse_pedigree, ra_mst_horses
ALTER TABLE public.ra_horse_pedigree ADD CONSTRAINT ra_horse_pedigree_horse_id_mst_fkey FOREIGN KEY (horse_id) REFERENCES public.ra_mst_horses(id) NOT VALID;

-- ==== part 16 of 52: step 16, its own transaction under the exclusive phase lock ====

-- Step 16: add ra_runner_odds_bookmaker_id_mst_fkey on ra_runner_odds(bookmaker_id) -> ra_mst_bookmakers NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_bookmakers, ra_runner_odds wait while it runs); touches: ra_mst_bookmakers, ra_runner_odds
ALTER TABLE public.ra_runner_odds ADD CONSTRAINT ra_runner_odds_bookmaker_id_mst_fkey FOREIGN KEY (bookmaker_id) REFERENCES public.ra_mst_bookmakers(id) NOT VALID;

-- ==== part 17 of 52: step 17, its own transaction under the exclusive phase lock ====

-- Step 17: add ra_runner_odds_horse_id_mst_fkey on ra_runner_odds(horse_id) -> ra_mst_horses NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses, ra_runner_odds wait while it runs); touches: ra_mst_horses, ra_runner_odds
ALTER TABLE public.ra_runner_odds ADD CONSTRAINT ra_runner_odds_horse_id_mst_fkey FOREIGN KEY (horse_id) REFERENCES public.ra_mst_horses(id) NOT VALID;

-- ==== part 18 of 52: step 18, its own transaction under the exclusive phase lock ====

-- Step 18: add ra_runner_odds_race_id_mst_fkey on ra_runner_odds(race_id) -> ra_mst_races NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races, ra_runner_odds wait while it runs); touches: ra_mst_races, ra_runner_odds
ALTER TABLE public.ra_runner_odds ADD CONSTRAINT ra_runner_odds_race_id_mst_fkey FOREIGN KEY (race_id) REFERENCES public.ra_mst_races(id) NOT VALID;

-- ==== part 19 of 52: step 19, its own transaction under the exclusive phase lock ====

-- Step 19: add ra_runners_dam_id_mst_fkey on ra_runners(dam_id) -> ra_mst_dams NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_dams, ra_runners wait while it runs); touches: ra_mst_dams, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_dam_id_mst_fkey FOREIGN KEY (dam_id) REFERENCES public.ra_mst_dams(id) NOT VALID;

-- ==== part 20 of 52: step 20, its own transaction under the exclusive phase lock ====

-- Step 20: add ra_runners_damsire_id_mst_fkey on ra_runners(damsire_id) -> ra_mst_damsires NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_damsires, ra_runners wait while it runs); touches: ra_mst_damsires, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_damsire_id_mst_fkey FOREIGN KEY (damsire_id) REFERENCES public.ra_mst_damsires(id) NOT VALID;

-- ==== part 21 of 52: step 21, its own transaction under the exclusive phase lock ====

-- Step 21: add ra_runners_horse_id_mst_fkey on ra_runners(horse_id) -> ra_mst_horses NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_horses, ra_runners wait while it runs); touches: ra_mst_horses, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_horse_id_mst_fkey FOREIGN KEY (horse_id) REFERENCES public.ra_mst_horses(id) NOT VALID;

-- ==== part 22 of 52: step 22, its own transaction under the exclusive phase lock ====

-- Step 22: add ra_runners_jockey_id_mst_fkey on ra_runners(jockey_id) -> ra_mst_jockeys NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_jockeys, ra_runners wait while it runs); touches: ra_mst_jockeys, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_jockey_id_mst_fkey FOREIGN KEY (jockey_id) REFERENCES public.ra_mst_jockeys(id) NOT VALID;

-- ==== part 23 of 52: step 23, its own transaction under the exclusive phase lock ====

-- Step 23: add ra_runners_owner_id_mst_fkey on ra_runners(owner_id) -> ra_mst_owners NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_owners, ra_runners wait while it runs); touches: ra_mst_owners, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_owner_id_mst_fkey FOREIGN KEY (owner_id) REFERENCES public.ra_mst_owners(id) NOT VALID;

-- ==== part 24 of 52: step 24, its own transaction under the exclusive phase lock ====

-- Step 24: add ra_runners_race_id_mst_fkey on ra_runners(race_id) -> ra_mst_races NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_races, ra_runners wait while it runs); touches: ra_mst_races, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_race_id_mst_fkey FOREIGN KEY (race_id) REFERENCES public.ra_mst_races(id) NOT VALID;

-- ==== part 25 of 52: step 25, its own transaction under the exclusive phase lock ====

-- Step 25: add ra_runners_sire_id_mst_fkey on ra_runners(sire_id) -> ra_mst_sires NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_sires, ra_runners wait while it runs); touches: ra_mst_sires, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_sire_id_mst_fkey FOREIGN KEY (sire_id) REFERENCES public.ra_mst_sires(id) NOT VALID;

-- ==== part 26 of 52: step 26, its own transaction under the exclusive phase lock ====

-- Step 26: add ra_runners_trainer_id_mst_fkey on ra_runners(trainer_id) -> ra_mst_trainers NOT VALID (new writes are checked from now on)
--   lock: SHARE ROW EXCLUSIVE (writers of ra_mst_trainers, ra_runners wait while it runs); touches: ra_mst_trainers, ra_runners
ALTER TABLE public.ra_runners ADD CONSTRAINT ra_runners_trainer_id_mst_fkey FOREIGN KEY (trainer_id) REFERENCES public.ra_mst_trainers(id) NOT VALID;

-- ==== part 27 of 52: step 27, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 27: gather planner statistics of ra_mst_bookmakers
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_bookmakers
ANALYZE public.ra_mst_bookmakers;

-- ==== part 28 of 52: step 28, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 28: gather planner statistics of ra_mst_courses
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_courses
ANALYZE public.ra_mst_courses;

-- ==== part 29 of 52: step 29, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 29: gather planner statistics of ra_mst_horses
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_horses
ANALYZE public.ra_mst_horses;

-- ==== part 30 of 52: step 30, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 30: gather planner statistics of ra_mst_jockeys
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_jockeys
ANALYZE public.ra_mst_jockeys;

-- ==== part 31 of 52: step 31, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 31: gather planner statistics of ra_mst_trainers
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_trainers
ANALYZE public.ra_mst_trainers;

-- ==== part 32 of 52: step 32, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 32: gather planner statistics of ra_mst_owners
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_owners
ANALYZE public.ra_mst_owners;

-- ==== part 33 of 52: step 33, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 33: gather planner statistics of ra_mst_sires
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_sires
ANALYZE public.ra_mst_sires;

-- ==== part 34 of 52: step 34, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 34: gather planner statistics of ra_mst_dams
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_dams
ANALYZE public.ra_mst_dams;

-- ==== part 35 of 52: step 35, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 35: gather planner statistics of ra_mst_damsires
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_damsires
ANALYZE public.ra_mst_damsires;

-- ==== part 36 of 52: step 36, its own transaction, without the phase lock, on a second session beside the steps after it ====

-- Step 36: gather planner statistics of ra_mst_races
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_races
ANALYZE public.ra_mst_races;

-- ==== part 37 of 52: step 37, its own transaction, without the phase lock ====

-- Step 37: validate ra_mst_sires_horse_id_fkey (scans ra_mst_sires without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_sires
ALTER TABLE public.ra_mst_sires VALIDATE CONSTRAINT ra_mst_sires_horse_id_fkey;

-- ==== part 38 of 52: step 38, its own transaction, without the phase lock ====

-- Step 38: validate ra_mst_dams_horse_id_fkey (scans ra_mst_dams without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_dams
ALTER TABLE public.ra_mst_dams VALIDATE CONSTRAINT ra_mst_dams_horse_id_fkey;

-- ==== part 39 of 52: step 39, its own transaction, without the phase lock ====

-- Step 39: validate ra_mst_damsires_horse_id_fkey (scans ra_mst_damsires without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_damsires
ALTER TABLE public.ra_mst_damsires VALIDATE CONSTRAINT ra_mst_damsires_horse_id_fkey;

-- ==== part 40 of 52: step 40, its own transaction, without the phase lock ====

-- Step 40: validate ra_mst_races_course_id_fkey (scans ra_mst_races without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_races
ALTER TABLE public.ra_mst_races VALIDATE CONSTRAINT ra_mst_races_course_id_fkey;

-- ==== part 41 of 52: step 41, its own transaction, without the phase lock ====

-- Step 41: validate ra_horse_pedigree_horse_id_mst_fkey (scans ra_horse_pedigree without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_horse_pedigree
ALTER TABLE public.ra_horse_pedigree VALIDATE CONSTRAINT ra_horse_pedigree_horse_id_mst_fkey;

-- ==== part 42 of 52: step 42, its own transaction, without the phase lock ====

-- Step 42: validate ra_runner_odds_bookmaker_id_mst_fkey (scans ra_runner_odds without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runner_odds
ALTER TABLE public.ra_runner_odds VALIDATE CONSTRAINT ra_runner_odds_bookmaker_id_mst_fkey;

-- ==== part 43 of 52: step 43, its own transaction, without the phase lock ====

-- Step 43: validate ra_runner_odds_horse_id_mst_fkey (scans ra_runner_odds without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runner_odds
ALTER TABLE public.ra_runner_odds VALIDATE CONSTRAINT ra_runner_odds_horse_id_mst_fkey;

-- ==== part 44 of 52: step 44, its own transaction, without the phase lock ====

-- Step 44: validate ra_runner_odds_race_id_mst_fkey (scans ra_runner_odds without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runner_odds
ALTER TABLE public.ra_runner_odds VALIDATE CONSTRAINT ra_runner_odds_race_id_mst_fkey;

-- ==== part 45 of 52: step 45, its own transaction, without the phase lock ====

-- Step 45: validate ra_runners_dam_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_dam_id_mst_fkey;

-- ==== part 46 of 52: step 46, its own transaction, without the phase lock ====

-- Step 46: validate ra_runners_damsire_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_damsire_id_mst_fkey;

-- ==== part 47 of 52: step 47, its own transaction, without the phase lock ====

-- Step 47: validate ra_runners_horse_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_horse_id_mst_fkey;

-- ==== part 48 of 52: step 48, its own transaction, without the phase lock ====

-- Step 48: validate ra_runners_jockey_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_jockey_id_mst_fkey;

-- ==== part 49 of 52: step 49, its own transaction, without the phase lock ====

-- Step 49: validate ra_runners_owner_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_owner_id_mst_fkey;

-- ==== part 50 of 52: step 50, its own transaction, without the phase lock ====

-- Step 50: validate ra_runners_race_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_race_id_mst_fkey;

-- ==== part 51 of 52: step 51, its own transaction, without the phase lock ====

-- Step 51: validate ra_runners_sire_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_sire_id_mst_fkey;

-- ==== part 52 of 52: step 52, its own transaction, without the phase lock ====

-- Step 52: validate ra_runners_trainer_id_mst_fkey (scans ra_runners without blocking its writers)
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_runners
ALTER TABLE public.ra_runners VALIDATE CONSTRAINT ra_runners_trainer_id_mst_fkey;
