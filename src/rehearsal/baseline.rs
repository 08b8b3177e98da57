//! The legacy `ra_*` baseline: the reconstructed production schema and synthetic legacy rows.
//!
//! Used by the test harness and `demo` to stand up a database that looks like production before the
//! reorganization. Rows are generated inside PostgreSQL with `generate_series` (set-based), and are
//! deterministic for a given scale so two runs produce identical data.

use anyhow::{Context, Result};
use postgres::Client;

/// The legacy schema, as reconstructed in `shared/reference/legacy-schema.sql`.
pub const LEGACY_SCHEMA: &str = include_str!("baseline/legacy-schema.sql");

/// Row counts of the production database the plan was written against (scale 1.0).
const FULL: Counts = Counts {
    horses: 111_000,
    sires: 3_000,
    dams: 66_000,
    damsires: 5_000,
    jockeys: 3_500,
    trainers: 2_800,
    owners: 48_000,
    races: 143_000,
};

/// How many rows of each master to generate; runners follow from races (7 to 10 per race).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub horses: i64,
    pub sires: i64,
    pub dams: i64,
    pub damsires: i64,
    pub jockeys: i64,
    pub trainers: i64,
    pub owners: i64,
    pub races: i64,
}

impl Counts {
    /// Counts at `scale` (1.0 = production sizes), never below a floor that keeps every
    /// relationship populated.
    pub fn at_scale(scale: f64) -> Counts {
        let s = |full: i64, floor: i64| ((full as f64 * scale).round() as i64).max(floor);
        let sires = s(FULL.sires, 3);
        let dams = s(FULL.dams, 3);
        let damsires = s(FULL.damsires, 3);
        Counts {
            // every sire, dam and damsire has a horse profile under the same number (the API's id rule)
            horses: s(FULL.horses, 12).max(sires + dams + damsires + 3),
            sires,
            dams,
            damsires,
            jockeys: s(FULL.jockeys, 3),
            trainers: s(FULL.trainers, 3),
            owners: s(FULL.owners, 3),
            races: s(FULL.races, 4),
        }
    }
}

/// Creates the legacy tables, view and odds tables in the connected database.
pub fn load_schema(client: &mut Client) -> Result<()> {
    client
        .batch_execute(LEGACY_SCHEMA)
        .context("loading the legacy ra_* baseline schema")
}

/// Fills the legacy tables with deterministic synthetic rows at `scale` (1.0 = production sizes:
/// about 1.2M runners). Foreign keys hold, including the implicit pedigree ones; the odds tables get a
/// few rows so their fingerprint is meaningful.
pub fn seed(client: &mut Client, scale: f64) -> Result<Counts> {
    let c = Counts::at_scale(scale);
    let sql = seed_sql(&c);
    client
        .batch_execute(&sql)
        .with_context(|| format!("seeding synthetic legacy rows at scale {scale}"))?;
    Ok(c)
}

fn seed_sql(c: &Counts) -> String {
    let Counts {
        horses,
        sires,
        dams,
        damsires,
        jockeys,
        trainers,
        owners,
        races,
    } = *c;
    // Sires use horse numbers 1..S, dams S+1..S+D, damsires S+D+1..S+D+DS: `sir_N` is `hrs_N`.
    let dam0 = sires;
    let dsi0 = sires + dams;
    format!(
        r#"
BEGIN;
INSERT INTO ra_regions (code, name) VALUES ('gb', 'Great Britain'), ('ire', 'Ireland');
INSERT INTO ra_bookmakers (name, code, type)
SELECT b, lower(replace(b, ' ', '_')), CASE WHEN b LIKE 'Bet%' THEN 'online' ELSE 'retail' END
FROM unnest(ARRAY['Bet365','William Hill','Paddy Power','Betfair','Sky Bet','Ladbrokes','Coral',
  'Betfred','Unibet','Boyle Sports','Bet Victor','10 Bet','BetMGM','Betway','Spreadex','Star Sports',
  'Tote','Virgin Bet','Midnite']) AS b;
INSERT INTO ra_courses (id, name, region_code, region, longitude, latitude)
SELECT 'crs_' || g, 'Course ' || g, CASE WHEN g % 3 = 0 THEN 'ire' ELSE 'gb' END,
       CASE WHEN g % 3 = 0 THEN 'Ireland' ELSE 'Great Britain' END,
       round((-8 + (g % 70) / 10.0)::numeric, 4), round((51 + (g % 40) / 10.0)::numeric, 4)
FROM generate_series(1, 101) g;
INSERT INTO ra_horses (id, name, sire_id, dam_id, damsire_id, dob, age, sex, sex_code, colour, colour_code, breeder, region)
SELECT 'hrs_' || g, 'Horse ' || g,
       'sir_' || (1 + g % {sires}), 'dam_' || ({dam0} + 1 + g % {dams}), 'dsi_' || ({dsi0} + 1 + g % {damsires}),
       DATE '2015-01-01' + (g % 3000), 2 + g % 10,
       (ARRAY['gelding','mare','colt','filly'])[1 + g % 4], (ARRAY['G','M','C','F'])[1 + g % 4],
       (ARRAY['bay','chestnut','grey','brown'])[1 + g % 4], (ARRAY['b','ch','gr','br'])[1 + g % 4],
       'Breeder ' || (g % 500), CASE WHEN g % 3 = 0 THEN 'ire' ELSE 'gb' END
FROM generate_series(1, {horses}) g;
INSERT INTO ra_sires (id, name, horse_id, total_runners, total_wins)
SELECT 'sir_' || g, 'Sire ' || g, 'hrs_' || g, 10 + g % 90, g % 10 FROM generate_series(1, {sires}) g;
INSERT INTO ra_dams (id, name, horse_id, total_runners, total_wins)
SELECT 'dam_' || g, 'Dam ' || g, 'hrs_' || g, 1 + g % 9, g % 3 FROM generate_series({dam0} + 1, {dam0} + {dams}) g;
INSERT INTO ra_damsires (id, name, horse_id, total_runners, total_wins)
SELECT 'dsi_' || g, 'Damsire ' || g, 'hrs_' || g, 10 + g % 50, g % 7 FROM generate_series({dsi0} + 1, {dsi0} + {damsires}) g;
INSERT INTO ra_jockeys (id, name, total_rides, total_wins, win_rate)
SELECT 'jky_' || g, 'Jockey ' || g, 100 + g % 900, g % 100, round((g % 100) / 10.0, 2) FROM generate_series(1, {jockeys}) g;
INSERT INTO ra_trainers (id, name, location, total_runners, total_wins)
SELECT 'trn_' || g, 'Trainer ' || g, 'Town ' || (g % 200), 50 + g % 500, g % 60 FROM generate_series(1, {trainers}) g;
INSERT INTO ra_owners (id, name, total_horses, total_runners, total_wins)
SELECT 'own_' || g, 'Owner ' || g, 1 + g % 20, 5 + g % 100, g % 12 FROM generate_series(1, {owners}) g;
INSERT INTO ra_horse_pedigree (horse_id, sire_id, sire, dam_id, dam, damsire_id, damsire, breeder, region)
SELECT id, sire_id, 'Sire ' || substr(sire_id, 5), dam_id, 'Dam ' || substr(dam_id, 5),
       damsire_id, 'Damsire ' || substr(damsire_id, 5), breeder, region
FROM ra_horses;
INSERT INTO ra_races (id, course_id, course_name, date, off_time, off_dt, race_name, race_number, distance,
  distance_round, distance_f, distance_m, region, type, surface, going, race_class, prize, field_size,
  is_big_race, is_abandoned, has_result)
SELECT 'rac_' || g, 'crs_' || (1 + g % 101), 'Course ' || (1 + g % 101),
       DATE '2023-01-23' + (g / 140), -- 12-hour clock, as the old fetchers stored it (hazard 5)
       make_time(1 + (12 + g % 9) % 12, (g * 5) % 60, 0),
       (DATE '2023-01-23' + (g / 140)) + make_time(12 + g % 9, (g * 5) % 60, 0),
       'Race ' || g, 1 + g % 8, (5 + g % 20) || 'f', (5 + g % 20) || 'f', (5 + g % 20) || '.0',
       (5 + g % 20) * 201, CASE WHEN g % 101 % 3 = 0 THEN 'IRE' ELSE 'GB' END,
       (ARRAY['Flat','Hurdle','Chase','NH Flat'])[1 + g % 4], (ARRAY['Turf','AW'])[1 + g % 2],
       (ARRAY['Good','Soft','Heavy','Good To Firm'])[1 + g % 4], 'Class ' || (1 + g % 7),
       1000 + (g % 50) * 500, 7 + g % 4, g % 97 = 0, false, true
FROM generate_series(1, {races}) g;
INSERT INTO ra_runners (race_id, horse_id, horse_name, jockey_name, trainer_name, owner_name, number, draw,
  jockey_id, trainer_id, owner_id, sire_id, dam_id, damsire_id, weight_lbs, age, ofr, rpr, ts,
  position, starting_price, starting_price_decimal, prize_won, result_updated_at)
SELECT 'rac_' || r, 'hrs_' || h, 'Horse ' || h, 'Jockey ' || j, 'Trainer ' || t, 'Owner ' || o, k::text, k::text,
       'jky_' || j, 'trn_' || t, 'own_' || o,
       'sir_' || (1 + h % {sires}), 'dam_' || ({dam0} + 1 + h % {dams}), 'dsi_' || ({dsi0} + 1 + h % {damsires}),
       120 + (r + k) % 40, 2 + h % 10,
       CASE WHEN (r + k) % 11 = 0 THEN NULL ELSE 40 + (r * k) % 90 END,
       CASE WHEN (r + k) % 13 = 0 THEN NULL ELSE 50 + (r * k) % 90 END,
       CASE WHEN (r + k) % 17 = 0 THEN NULL ELSE 30 + (r * k) % 90 END,
       -- non-numeric finishing positions (PU, F, UR) were stored as NULL (hazard 5)
       CASE WHEN k = 7 + r % 4 AND r % 5 = 0 THEN NULL ELSE k END,
       k || '/1', k + 1.0, CASE WHEN k <= 3 THEN 1000.0 / k END, now()
FROM generate_series(1, {races}) r
CROSS JOIN LATERAL generate_series(1, 7 + r % 4) k
CROSS JOIN LATERAL (SELECT 1 + (r * 13 + k * 7919) % {horses} AS h,
                           1 + (r + k * 31) % {jockeys} AS j,
                           1 + (r * 7 + k) % {trainers} AS t,
                           1 + (r * 3 + k * 17) % {owners} AS o) ids;
INSERT INTO ra_race_results (race_id, race_date, horse_id, horse_name, position, position_str)
SELECT race_id, r.date, horse_id, horse_name, position, coalesce(position::text, 'PU')
FROM ra_runners ru JOIN ra_races r ON r.id = ru.race_id
WHERE ru.id <= 72;
INSERT INTO ra_runner_odds (race_id, horse_id, bookmaker_id, fractional_odds, decimal_odds)
SELECT ru.race_id, ru.horse_id, 1 + ru.id % 19, ru.starting_price, ru.starting_price_decimal
FROM ra_runners ru WHERE ru.id <= 200;
INSERT INTO ra_odds_live (race_id, horse_id, bookmaker_id, race_date, course, horse_name, bookmaker_name,
  odds_decimal, odds_fractional, odds_timestamp)
SELECT ru.race_id, ru.horse_id, 'bmk_' || (1 + ru.id % 19), DATE '2025-10-13', 'Course 1', ru.horse_name,
       'Bookmaker ' || (1 + ru.id % 19), 2.5, '6/4', TIMESTAMPTZ '2025-10-13 12:00:00+00'
FROM ra_runners ru WHERE ru.id <= 100;
INSERT INTO ra_odds_historical (date_of_race, country, track, horse_name, industry_sp, created_at, updated_at)
SELECT TIMESTAMPTZ '2024-01-01 14:00:00+00' + g * interval '1 day', 'GB', 'Course ' || (g % 101),
       'Horse ' || g, 3.5, TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMPTZ '2024-01-01 00:00:00+00'
FROM generate_series(1, 50) g;
INSERT INTO ra_odds_statistics (fetch_timestamp, races_count) VALUES (TIMESTAMPTZ '2025-10-13 12:00:00+00', 5);
COMMIT;
ANALYZE;
"#
    )
}
