-- ra-migrate plan: apply phase 1 (create)
-- 37 steps in one transaction, with the phase recorded in the same transaction.
-- Each try waits at most lock_timeout = 200ms for a lock; 10 retries on lock timeouts only.
-- No step takes a lock that blocks writers of existing tables.
--
-- Notes:
--   * ra_mst_bookmakers.id takes its default from ra_bookmakers_id_seq, the sequence of ra_bookmakers, so both layouts draw ids from one source while both are written; phase 5 moves ra_mst_bookmakers's own sequence past it and hands the default over
--   * deferred to phase 3: ra_mst_sires(horse_id) -> ra_mst_horses(id), from ra_sires.ra_sires_horse_id_fkey: until the backfill has filled ra_mst_horses, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_mst_dams(horse_id) -> ra_mst_horses(id), from ra_dams.ra_dams_horse_id_fkey: until the backfill has filled ra_mst_horses, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_mst_damsires(horse_id) -> ra_mst_horses(id), from ra_damsires.ra_damsires_horse_id_fkey: until the backfill has filled ra_mst_horses, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_mst_races(course_id) -> ra_mst_courses(id), from ra_races.ra_races_course_id_fkey: until the backfill has filled ra_mst_courses, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_horse_pedigree(horse_id) -> ra_mst_horses(id), from ra_horse_pedigree.ra_horse_pedigree_horse_id_fkey: until the backfill has filled ra_mst_horses, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runner_odds(bookmaker_id) -> ra_mst_bookmakers(id), from ra_runner_odds.ra_runner_odds_bookmaker_id_fkey: until the backfill has filled ra_mst_bookmakers, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runner_odds(horse_id) -> ra_mst_horses(id), from ra_runner_odds.ra_runner_odds_horse_id_fkey: until the backfill has filled ra_mst_horses, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runner_odds(race_id) -> ra_mst_races(id), from ra_runner_odds.ra_runner_odds_race_id_fkey: until the backfill has filled ra_mst_races, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(dam_id) -> ra_mst_dams(id), from ra_runners.ra_runners_dam_id_fkey: until the backfill has filled ra_mst_dams, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(damsire_id) -> ra_mst_damsires(id), from ra_runners.ra_runners_damsire_id_fkey: until the backfill has filled ra_mst_damsires, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(horse_id) -> ra_mst_horses(id), from ra_runners.ra_runners_horse_id_fkey: until the backfill has filled ra_mst_horses, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(jockey_id) -> ra_mst_jockeys(id), from ra_runners.ra_runners_jockey_id_fkey: until the backfill has filled ra_mst_jockeys, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(owner_id) -> ra_mst_owners(id), from ra_runners.ra_runners_owner_id_fkey: until the backfill has filled ra_mst_owners, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(race_id) -> ra_mst_races(id), from ra_runners.ra_runners_race_id_fkey: until the backfill has filled ra_mst_races, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(sire_id) -> ra_mst_sires(id), from ra_runners.ra_runners_sire_id_fkey: until the backfill has filled ra_mst_sires, a write that is valid in the old layout would fail here and break the writers
--   * deferred to phase 3: ra_runners(trainer_id) -> ra_mst_trainers(id), from ra_runners.ra_runners_trainer_id_fkey: until the backfill has filled ra_mst_trainers, a write that is valid in the old layout would fail here and break the writers

-- ==== part 1 of 1: steps 1 to 37, one transaction under the exclusive phase lock ====

-- Step 1: hold the old masters' structure still while it is copied (blocks DDL on them, not writes)
--   lock: ACCESS SHARE; touches: ra_bookmakers, ra_courses, ra_dams, ra_damsires, ra_horses, ra_jockeys, ra_owners, ra_races, ra_sires, ra_trainers
LOCK TABLE public.ra_bookmakers, public.ra_courses, public.ra_horses, public.ra_jockeys, public.ra_trainers, public.ra_owners, public.ra_sires, public.ra_dams, public.ra_damsires, public.ra_races IN ACCESS SHARE MODE;

-- Step 2: create ra_mst_bookmakers as a copy of ra_bookmakers (6 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_bookmakers_id_seq, ra_mst_bookmakers
CREATE TABLE public.ra_mst_bookmakers (
    id bigint DEFAULT nextval('public.ra_bookmakers_id_seq'::regclass) NOT NULL,
    name character varying(100) NOT NULL,
    code character varying(50),
    is_active boolean DEFAULT true,
    created_at timestamp without time zone DEFAULT now(),
    type character varying(20),
    CONSTRAINT ra_mst_bookmakers_pkey PRIMARY KEY (id),
    CONSTRAINT ra_mst_bookmakers_code_key UNIQUE (code)
);

-- Step 3: create sequence ra_mst_bookmakers_id_seq owned by ra_mst_bookmakers.id
--   lock: none; touches: ra_mst_bookmakers, ra_mst_bookmakers_id_seq
CREATE SEQUENCE public.ra_mst_bookmakers_id_seq AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE OWNED BY public.ra_mst_bookmakers.id;

-- Step 4: start ra_mst_bookmakers_id_seq where ra_bookmakers_id_seq stands
--   lock: ACCESS SHARE; touches: ra_bookmakers_id_seq, ra_mst_bookmakers_id_seq
SELECT setval('public.ra_mst_bookmakers_id_seq', last_value, is_called) FROM public.ra_bookmakers_id_seq;

-- Step 5: anon has no SELECT, UPDATE, USAGE on ra_mst_bookmakers_id_seq
--   lock: none; touches: ra_mst_bookmakers_id_seq
REVOKE SELECT, UPDATE, USAGE ON SEQUENCE public.ra_mst_bookmakers_id_seq FROM anon;

-- Step 6: authenticated has no SELECT, UPDATE, USAGE on ra_mst_bookmakers_id_seq
--   lock: none; touches: ra_mst_bookmakers_id_seq
REVOKE SELECT, UPDATE, USAGE ON SEQUENCE public.ra_mst_bookmakers_id_seq FROM authenticated;

-- Step 7: service_role has no UPDATE on ra_mst_bookmakers_id_seq
--   lock: none; touches: ra_mst_bookmakers_id_seq
REVOKE UPDATE ON SEQUENCE public.ra_mst_bookmakers_id_seq FROM service_role;

-- Step 8: create ra_mst_courses as a copy of ra_courses (8 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_courses
CREATE TABLE public.ra_mst_courses (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    region_code character varying(10) NOT NULL,
    region character varying(100) NOT NULL,
    longitude numeric,
    latitude numeric,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    CONSTRAINT ra_mst_courses_pkey PRIMARY KEY (id)
);

-- Step 9: create ra_mst_horses as a copy of ra_horses (15 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_horses
CREATE TABLE public.ra_mst_horses (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    sire_id character varying(50),
    dam_id character varying(50),
    damsire_id character varying(50),
    dob date,
    age integer,
    sex character varying(20),
    sex_code character varying(5),
    colour character varying(50),
    colour_code character varying(10),
    breeder character varying(255),
    region character varying(10),
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    CONSTRAINT ra_mst_horses_region_check CHECK ((((region)::text = ANY ((ARRAY['gb'::character varying, 'ire'::character varying, 'fr'::character varying, 'usa'::character varying, 'GB'::character varying, 'IRE'::character varying, 'FR'::character varying, 'USA'::character varying])::text[])) OR (region IS NULL))),
    CONSTRAINT ra_mst_horses_pkey PRIMARY KEY (id)
) WITH (fillfactor=90, autovacuum_vacuum_scale_factor=0.05);

-- Step 10: comment on constraint ra_mst_horses_region_check
--   lock: none; touches: ra_mst_horses
COMMENT ON CONSTRAINT ra_mst_horses_region_check ON public.ra_mst_horses IS 'regions the API knows';

-- Step 11: comment on constraint ra_mst_horses_pkey
--   lock: none; touches: ra_mst_horses
COMMENT ON CONSTRAINT ra_mst_horses_pkey ON public.ra_mst_horses IS 'the API''s horse id';

-- Step 12: anon has no DELETE, INSERT, REFERENCES, TRIGGER, TRUNCATE, UPDATE on ra_mst_horses
--   lock: none; touches: ra_mst_horses
REVOKE DELETE, INSERT, REFERENCES, TRIGGER, TRUNCATE, UPDATE ON TABLE public.ra_mst_horses FROM anon;

-- Step 13: authenticated has no DELETE, INSERT, TRUNCATE, UPDATE on ra_mst_horses
--   lock: none; touches: ra_mst_horses
REVOKE DELETE, INSERT, TRUNCATE, UPDATE ON TABLE public.ra_mst_horses FROM authenticated;

-- Step 14: publish ra_mst_horses in supabase_realtime, as ra_horses is
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_horses
ALTER PUBLICATION supabase_realtime ADD TABLE public.ra_mst_horses;

-- Step 15: create ra_mst_jockeys as a copy of ra_jockeys (22 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_jockeys
CREATE TABLE public.ra_mst_jockeys (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    total_rides integer,
    total_wins integer,
    total_places integer,
    total_seconds integer,
    total_thirds integer,
    win_rate numeric(5,2),
    place_rate numeric(5,2),
    stats_updated_at timestamp without time zone,
    last_ride_date date,
    last_win_date date,
    days_since_last_ride integer,
    days_since_last_win integer,
    recent_14d_rides integer,
    recent_14d_wins integer,
    recent_14d_win_rate numeric,
    recent_30d_rides integer,
    recent_30d_wins integer,
    recent_30d_win_rate numeric,
    CONSTRAINT ra_mst_jockeys_pkey PRIMARY KEY (id)
);

-- Step 16: create ra_mst_trainers as a copy of ra_trainers (23 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_trainers
CREATE TABLE public.ra_mst_trainers (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    location character varying(255),
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    total_runners integer,
    total_wins integer,
    total_places integer,
    total_seconds integer,
    total_thirds integer,
    win_rate numeric,
    place_rate numeric,
    stats_updated_at timestamp without time zone,
    last_runner_date date,
    last_win_date date,
    days_since_last_runner integer,
    days_since_last_win integer,
    recent_14d_runs integer,
    recent_14d_wins integer,
    recent_14d_win_rate numeric,
    recent_30d_runs integer,
    recent_30d_wins integer,
    recent_30d_win_rate numeric,
    CONSTRAINT ra_mst_trainers_pkey PRIMARY KEY (id)
);

-- Step 17: create ra_mst_owners as a copy of ra_owners (24 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_owners
CREATE TABLE public.ra_mst_owners (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    total_horses integer,
    total_runners integer,
    total_wins integer,
    total_places integer,
    total_seconds integer,
    total_thirds integer,
    win_rate numeric,
    place_rate numeric,
    active_last_30d boolean,
    stats_updated_at timestamp without time zone,
    last_runner_date date,
    last_win_date date,
    days_since_last_runner integer,
    days_since_last_win integer,
    recent_14d_runs integer,
    recent_14d_wins integer,
    recent_14d_win_rate numeric,
    recent_30d_runs integer,
    recent_30d_wins integer,
    recent_30d_win_rate numeric,
    CONSTRAINT ra_mst_owners_pkey PRIMARY KEY (id)
);

-- Step 18: ra_mst_owners is owned by service_role, as ra_owners is (its sequences follow)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_owners
ALTER TABLE public.ra_mst_owners OWNER TO service_role;

-- Step 19: anon has no DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE on ra_mst_owners
--   lock: none; touches: ra_mst_owners
REVOKE DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLE public.ra_mst_owners FROM anon;

-- Step 20: column privileges of anon on id
--   lock: none; touches: ra_mst_owners
GRANT SELECT (id) ON TABLE public.ra_mst_owners TO anon;

-- Step 21: column privileges of anon on name
--   lock: none; touches: ra_mst_owners
GRANT SELECT (name) ON TABLE public.ra_mst_owners TO anon;

-- Step 22: create ra_mst_sires as a copy of ra_sires (47 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_sires
CREATE TABLE public.ra_mst_sires (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    horse_id character varying(50),
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    total_runners integer,
    total_wins integer,
    total_places_2nd integer,
    total_places_3rd integer,
    overall_win_percent numeric,
    overall_ae_index numeric,
    best_class character varying(20),
    best_class_ae numeric,
    best_distance character varying(50),
    best_distance_ae numeric,
    analysis_last_updated timestamp without time zone,
    data_quality_score numeric,
    class_1_name character varying(20),
    class_1_runners integer,
    class_1_wins integer,
    class_1_win_percent numeric,
    class_1_ae numeric,
    class_2_name character varying(20),
    class_2_runners integer,
    class_2_wins integer,
    class_2_win_percent numeric,
    class_2_ae numeric,
    class_3_name character varying(20),
    class_3_runners integer,
    class_3_wins integer,
    class_3_win_percent numeric,
    class_3_ae numeric,
    distance_1_name character varying(20),
    distance_1_runners integer,
    distance_1_wins integer,
    distance_1_win_percent numeric,
    distance_1_ae numeric,
    distance_2_name character varying(20),
    distance_2_runners integer,
    distance_2_wins integer,
    distance_2_win_percent numeric,
    distance_2_ae numeric,
    distance_3_name character varying(20),
    distance_3_runners integer,
    distance_3_wins integer,
    distance_3_win_percent numeric,
    distance_3_ae numeric,
    CONSTRAINT ra_mst_sires_pkey PRIMARY KEY (id)
);

-- Step 23: create ra_mst_dams as a copy of ra_dams (47 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_dams
CREATE TABLE public.ra_mst_dams (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    horse_id character varying(50),
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    total_runners integer,
    total_wins integer,
    total_places_2nd integer,
    total_places_3rd integer,
    overall_win_percent numeric,
    overall_ae_index numeric,
    best_class character varying(20),
    best_class_ae numeric,
    best_distance character varying(50),
    best_distance_ae numeric,
    analysis_last_updated timestamp without time zone,
    data_quality_score numeric,
    class_1_name character varying(20),
    class_1_runners integer,
    class_1_wins integer,
    class_1_win_percent numeric,
    class_1_ae numeric,
    class_2_name character varying(20),
    class_2_runners integer,
    class_2_wins integer,
    class_2_win_percent numeric,
    class_2_ae numeric,
    class_3_name character varying(20),
    class_3_runners integer,
    class_3_wins integer,
    class_3_win_percent numeric,
    class_3_ae numeric,
    distance_1_name character varying(20),
    distance_1_runners integer,
    distance_1_wins integer,
    distance_1_win_percent numeric,
    distance_1_ae numeric,
    distance_2_name character varying(20),
    distance_2_runners integer,
    distance_2_wins integer,
    distance_2_win_percent numeric,
    distance_2_ae numeric,
    distance_3_name character varying(20),
    distance_3_runners integer,
    distance_3_wins integer,
    distance_3_win_percent numeric,
    distance_3_ae numeric,
    CONSTRAINT ra_mst_dams_pkey PRIMARY KEY (id)
);

-- Step 24: create ra_mst_damsires as a copy of ra_damsires (47 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_damsires
CREATE TABLE public.ra_mst_damsires (
    id character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    horse_id character varying(50),
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    total_runners integer,
    total_wins integer,
    total_places_2nd integer,
    total_places_3rd integer,
    overall_win_percent numeric,
    overall_ae_index numeric,
    best_class character varying(20),
    best_class_ae numeric,
    best_distance character varying(50),
    best_distance_ae numeric,
    analysis_last_updated timestamp without time zone,
    data_quality_score numeric,
    class_1_name character varying(20),
    class_1_runners integer,
    class_1_wins integer,
    class_1_win_percent numeric,
    class_1_ae numeric,
    class_2_name character varying(20),
    class_2_runners integer,
    class_2_wins integer,
    class_2_win_percent numeric,
    class_2_ae numeric,
    class_3_name character varying(20),
    class_3_runners integer,
    class_3_wins integer,
    class_3_win_percent numeric,
    class_3_ae numeric,
    distance_1_name character varying(20),
    distance_1_runners integer,
    distance_1_wins integer,
    distance_1_win_percent numeric,
    distance_1_ae numeric,
    distance_2_name character varying(20),
    distance_2_runners integer,
    distance_2_wins integer,
    distance_2_win_percent numeric,
    distance_2_ae numeric,
    distance_3_name character varying(20),
    distance_3_runners integer,
    distance_3_wins integer,
    distance_3_win_percent numeric,
    distance_3_ae numeric,
    CONSTRAINT ra_mst_damsires_pkey PRIMARY KEY (id)
);

-- Step 25: create ra_mst_races as a copy of ra_races (48 columns)
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_races
CREATE TABLE public.ra_mst_races (
    id character varying(50) NOT NULL,
    course_id character varying(50) NOT NULL,
    course_name character varying(255),
    date date NOT NULL,
    off_time time without time zone,
    off_dt timestamp without time zone,
    race_name character varying(500),
    race_number integer,
    distance character varying(50),
    distance_round character varying(20),
    distance_f character varying(20),
    distance_m integer,
    region character varying(10),
    type character varying(20),
    surface character varying(20),
    going character varying(50),
    going_detailed text,
    pattern character varying(50),
    race_class character varying(20),
    age_band character varying(50),
    sex_restriction character varying(50),
    rating_band character varying(50),
    prize numeric,
    field_size integer,
    stalls character varying(50),
    rail_movements text,
    weather character varying(100),
    jumps character varying(100),
    is_big_race boolean,
    is_abandoned boolean,
    has_result boolean,
    winning_time character varying(50),
    winning_time_detail text,
    comments text,
    non_runners text,
    tote_win character varying(20),
    tote_pl character varying(20),
    tote_ex character varying(20),
    tote_csf character varying(20),
    tote_tricast character varying(20),
    tote_trifecta character varying(20),
    tip text,
    verdict text,
    betting_forecast text,
    meet_id character varying(50),
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    "time" time without time zone,
    CONSTRAINT ra_mst_races_pkey PRIMARY KEY (id)
);

-- Step 26: index idx_ra_mst_races_course (as idx_ra_races_course)
--   lock: none; touches: idx_ra_mst_races_course, ra_mst_races
CREATE INDEX idx_ra_mst_races_course ON public.ra_mst_races USING btree (course_id);

-- Step 27: index idx_ra_mst_races_date (as idx_ra_races_date)
--   lock: none; touches: idx_ra_mst_races_date, ra_mst_races
CREATE INDEX idx_ra_mst_races_date ON public.ra_mst_races USING btree (date);

-- Step 28: index ra_mst_races_gb_ire (as ra_races_gb_ire)
--   lock: none; touches: ra_mst_races, ra_mst_races_gb_ire
CREATE INDEX ra_mst_races_gb_ire ON public.ra_mst_races USING btree (date) WHERE ((region)::text = ANY ((ARRAY['GB'::character varying, 'IRE'::character varying])::text[]));

-- Step 29: comment on index ra_mst_races_gb_ire
--   lock: none; touches: ra_mst_races_gb_ire
COMMENT ON INDEX public.ra_mst_races_gb_ire IS 'British and Irish races by date';

-- Step 30: row level security on ra_mst_races
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_races
ALTER TABLE public.ra_mst_races ENABLE ROW LEVEL SECURITY;

-- Step 31: force row level security on ra_mst_races
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_races
ALTER TABLE public.ra_mst_races FORCE ROW LEVEL SECURITY;

-- Step 32: policy races_gb_ire
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_races
CREATE POLICY races_gb_ire ON public.ra_mst_races AS PERMISSIVE FOR INSERT TO authenticated WITH CHECK (((region)::text = ANY ((ARRAY['GB'::character varying, 'IRE'::character varying])::text[])));

-- Step 33: policy races_read
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_races
CREATE POLICY races_read ON public.ra_mst_races AS PERMISSIVE FOR SELECT TO anon, authenticated USING ((((region)::text = ANY ((ARRAY['GB'::character varying, 'IRE'::character varying])::text[])) OR ((race_name)::text = 'Derby'::text)));

-- Step 34: authenticated has no DELETE, REFERENCES, TRIGGER, TRUNCATE, UPDATE on ra_mst_races
--   lock: none; touches: ra_mst_races
REVOKE DELETE, REFERENCES, TRIGGER, TRUNCATE, UPDATE ON TABLE public.ra_mst_races FROM authenticated;

-- Step 35: privileges of authenticated on ra_mst_races WITH GRANT OPTION
--   lock: none; touches: ra_mst_races
GRANT INSERT, SELECT ON TABLE public.ra_mst_races TO authenticated WITH GRANT OPTION;

-- Step 36: publish ra_mst_races in supabase_realtime, as ra_races is
--   lock: SHARE UPDATE EXCLUSIVE; touches: ra_mst_races
ALTER PUBLICATION supabase_realtime ADD TABLE public.ra_mst_races;

-- Step 37: replica identity of ra_mst_races: full
--   lock: ACCESS EXCLUSIVE; touches: ra_mst_races
ALTER TABLE public.ra_mst_races REPLICA IDENTITY FULL;
