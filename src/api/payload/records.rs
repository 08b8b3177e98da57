//! Normalised records: what the write path stores, independent of which endpoint they came from.
//!
//! Every field the API may leave out is an `Option`; `None` means "the source did not say", never
//! "clear this column". `source` tells the write path which endpoint produced a race or runner, so
//! a result (which has no `spotlight`) does not blank what the racecard set, and a racecard (which
//! has no position) does not blank a result.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

/// Which API endpoint a record was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Endpoint {
    Racecards,
    Results,
    HorsePro,
    Courses,
}

impl Endpoint {
    /// The API path below `/v1/`, as used in logs and quarantine rows.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Racecards => "racecards/pro",
            Endpoint::Results => "results",
            Endpoint::HorsePro => "horses/{id}/pro",
            Endpoint::Courses => "courses",
        }
    }
}

/// A record that could not be used, kept whole so it can be quarantined and replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// API path below `/v1/`, e.g. `racecards/pro`.
    pub endpoint: String,
    /// The request that returned it (no credentials), e.g. `GET /v1/results?start_date=...`.
    pub request: String,
    /// The offending JSON element exactly as received.
    pub raw_json: String,
    /// Why it was rejected.
    pub error: String,
}

/// A race, from a racecard or a result. Off time comes from `off_dt` only: `off_time`/`off` are a
/// 12-hour clock without am/pm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaceRecord {
    pub race_id: String,
    pub source: Endpoint,
    pub course_id: String,
    pub course_name: Option<String>,
    pub date: NaiveDate,
    /// Start time with the course's UTC offset.
    pub off_dt: Option<DateTime<FixedOffset>>,
    /// Local 24-hour wall-clock time at the course (from `off_dt`).
    pub off_time: Option<NaiveTime>,
    pub race_name: Option<String>,
    pub region: Option<String>,
    pub race_type: Option<String>,
    /// Racecard `race_class`, result `class`, e.g. `Class 4`.
    pub race_class: Option<String>,
    pub pattern: Option<String>,
    pub age_band: Option<String>,
    /// Racecard `sex_restriction`, result `sex_rest`.
    pub sex_restriction: Option<String>,
    pub rating_band: Option<String>,
    /// Display distance: racecard `distance` (`2m53y`), result `dist` (`1m`).
    pub distance: Option<String>,
    /// Racecards only (`2m`).
    pub distance_round: Option<String>,
    /// Furlongs as a decimal: racecard `distance_f` (`16.0`), result `dist_f` (`8f` → `8`).
    pub distance_f: Option<String>,
    /// Results only (`dist_y`).
    pub distance_yards: Option<i32>,
    /// Results only (`dist_m`).
    pub distance_m: Option<i32>,
    pub going: Option<String>,
    pub going_detailed: Option<String>,
    pub surface: Option<String>,
    pub jumps: Option<String>,
    pub stalls: Option<String>,
    pub rail_movements: Option<String>,
    pub weather: Option<String>,
    /// Racecards only; decimal text (`£4,193` → `4193`).
    pub prize: Option<String>,
    pub field_size: Option<i32>,
    pub is_big_race: Option<bool>,
    pub is_abandoned: Option<bool>,
    /// v1.4.3 only.
    pub race_status: Option<String>,
    pub tip: Option<String>,
    pub verdict: Option<String>,
    pub betting_forecast: Option<String>,
    /// True for records from `/results`.
    pub has_result: bool,
    pub winning_time_detail: Option<String>,
    pub comments: Option<String>,
    pub non_runners: Option<String>,
    pub tote_win: Option<String>,
    pub tote_pl: Option<String>,
    pub tote_ex: Option<String>,
    pub tote_csf: Option<String>,
    pub tote_tricast: Option<String>,
    pub tote_trifecta: Option<String>,
}

/// One horse in one race (the `ra_runners` fact row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunnerRecord {
    pub race_id: String,
    pub horse_id: String,
    pub source: Endpoint,
    pub horse_name: Option<String>,
    pub jockey_id: Option<String>,
    pub jockey_name: Option<String>,
    pub trainer_id: Option<String>,
    pub trainer_name: Option<String>,
    /// Racecards only.
    pub trainer_location: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub sire_id: Option<String>,
    pub sire_name: Option<String>,
    pub dam_id: Option<String>,
    pub dam_name: Option<String>,
    pub damsire_id: Option<String>,
    pub damsire_name: Option<String>,
    /// Cloth number as sent (text in the schema).
    pub number: Option<String>,
    /// Stall as sent; `"0"` means no stalls (jumps).
    pub draw: Option<String>,
    /// Racecard `lbs`, result `weight_lbs`.
    pub weight_lbs: Option<i32>,
    /// Results only: stones-pounds, e.g. `8-10`.
    pub weight_st_lbs: Option<String>,
    pub age: Option<i32>,
    /// Racecards only: the word (`mare`).
    pub sex: Option<String>,
    /// Racecard `sex_code`, result `sex` (results send the code).
    pub sex_code: Option<String>,
    /// Racecards only: breeding country (`GB`); results carry it as a name suffix at most.
    pub horse_region: Option<String>,
    /// Racecards only.
    pub breeder: Option<String>,
    /// Racecards only.
    pub sire_region: Option<String>,
    /// Racecards only.
    pub dam_region: Option<String>,
    /// Racecards only.
    pub damsire_region: Option<String>,
    pub colour: Option<String>,
    pub dob: Option<NaiveDate>,
    pub headgear: Option<String>,
    pub headgear_run: Option<String>,
    pub wind_surgery: Option<String>,
    pub wind_surgery_run: Option<String>,
    pub form: Option<String>,
    /// Days since the last run.
    pub last_run: Option<String>,
    pub trainer_rtf: Option<String>,
    /// Racecard comment, or the result's in-running comment.
    pub comment: Option<String>,
    pub spotlight: Option<String>,
    pub silk_url: Option<String>,
    pub past_results_flags: Vec<String>,
    /// Racecard `ofr`, result `or`.
    pub ofr: Option<i32>,
    pub rpr: Option<i32>,
    /// Racecard `ts`, result `tsr`.
    pub ts: Option<i32>,
    pub jockey_claim_lbs: Option<i32>,
    /// Numeric finishing position; `None` for non-finishers and racecards.
    pub position: Option<i32>,
    /// The position exactly as sent: `1`, `PU`, `F`, `UR`, ...
    pub position_text: Option<String>,
    /// `btn` as sent (`.5`, `nk`, `dht`).
    pub distance_beaten: Option<String>,
    /// `ovr_btn` as a decimal.
    pub overall_beaten_distance: Option<String>,
    /// `sp` as sent, e.g. `13/8F`.
    pub starting_price: Option<String>,
    /// `sp_dec` as decimal text.
    pub starting_price_decimal: Option<String>,
    /// Betfair SP (v1.4.3 only), decimal text.
    pub bsp: Option<String>,
    /// `prize` as decimal text.
    pub prize_won: Option<String>,
    /// `time` as sent, e.g. `1:43.25`.
    pub finishing_time: Option<String>,
}

/// A horse as seen in a runner or a horse profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HorseRecord {
    pub id: String,
    pub name: Option<String>,
    pub dob: Option<NaiveDate>,
    pub age: Option<i32>,
    pub sex: Option<String>,
    pub sex_code: Option<String>,
    pub colour: Option<String>,
    pub colour_code: Option<String>,
    pub breeder: Option<String>,
    /// Breeding country: the racecard runner's `region`, else the name suffix (`Create (IRE)`).
    pub region: Option<String>,
    pub sire_id: Option<String>,
    pub dam_id: Option<String>,
    pub damsire_id: Option<String>,
}

/// `ra_horse_pedigree`: one row per horse with a known parent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PedigreeRecord {
    pub horse_id: String,
    pub sire_id: Option<String>,
    pub sire: Option<String>,
    pub dam_id: Option<String>,
    pub dam: Option<String>,
    pub damsire_id: Option<String>,
    pub damsire: Option<String>,
    pub breeder: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PersonKind {
    Jockey,
    Trainer,
    Owner,
}

/// A jockey, trainer or owner. These have no bulk endpoint: they are discovered in runners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    pub kind: PersonKind,
    pub id: String,
    pub name: Option<String>,
    /// Trainers only (racecards' `trainer_location`).
    pub location: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SireKind {
    Sire,
    Dam,
    Damsire,
}

impl SireKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SireKind::Sire => "sir_",
            SireKind::Dam => "dam_",
            SireKind::Damsire => "dsi_",
        }
    }
}

/// A sire, dam or damsire. `horse_id` is its own horse profile, by the API's documented id rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SireLike {
    pub kind: SireKind,
    pub id: String,
    pub name: Option<String>,
    pub horse_id: Option<String>,
    /// Racecards only (`sire_region`, ...).
    pub region: Option<String>,
}

impl SireLike {
    pub fn new(
        kind: SireKind,
        id: String,
        name: Option<String>,
        region: Option<String>,
    ) -> SireLike {
        let horse_id = horse_id_for(kind, &id);
        SireLike {
            kind,
            id,
            name,
            horse_id,
            region,
        }
    }
}

/// The id rule: `sir_N`, `dam_N` and `dsi_N` are the horse `hrs_N`. `None` when `id` does not have
/// the prefix of `kind` followed by digits (then there is no rule to apply, and no name guessing).
pub fn horse_id_for(kind: SireKind, id: &str) -> Option<String> {
    let number = id.strip_prefix(kind.prefix())?;
    (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("hrs_{number}"))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseRecord {
    pub id: String,
    pub name: Option<String>,
    /// Lower case, as `/courses` sends it (`gb`).
    pub region_code: Option<String>,
    /// The region's name (`Great Britain`); only `/courses` has it.
    pub region: Option<String>,
}

/// One bookmaker's price for one runner (racecards only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OddsRecord {
    pub race_id: String,
    pub horse_id: String,
    /// As sent, e.g. `Bet Victor`.
    pub bookmaker: String,
    /// Stable code, matching the reference list where the name matches (`Bet Victor` → `betvictor`).
    pub bookmaker_code: String,
    pub fractional: Option<String>,
    pub decimal: Option<String>,
    pub ew_places: Option<i32>,
    pub ew_denom: Option<i32>,
    pub updated: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BookmakerRecord {
    pub code: String,
    pub name: String,
    /// `online`, `exchange` or `spread`; unknown for bookmakers only seen in odds.
    pub kind: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_rule_maps_pedigree_ids_to_horses() {
        assert_eq!(
            horse_id_for(SireKind::Sire, "sir_7013188").as_deref(),
            Some("hrs_7013188")
        );
        assert_eq!(
            horse_id_for(SireKind::Dam, "dam_5801159").as_deref(),
            Some("hrs_5801159")
        );
        assert_eq!(
            horse_id_for(SireKind::Damsire, "dsi_753900").as_deref(),
            Some("hrs_753900")
        );
        assert_eq!(horse_id_for(SireKind::Sire, "dam_1"), None);
        assert_eq!(horse_id_for(SireKind::Sire, "sir_"), None);
        assert_eq!(horse_id_for(SireKind::Sire, "sir_12x"), None);
    }
}
