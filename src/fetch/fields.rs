//! What each record stores: field -> column(s), per endpoint, and how each value merges into an
//! existing row. Only names live here; types, lengths and whether a column exists at all come
//! from the live catalog when the step is written.
//!
//! Racecards and results share most fields (`Fill`: a value replaces, no value keeps). Fields only
//! one endpoint knows are written only by it and belong to it (`Owned`): a result's position, price
//! and time; a racecard's spotlight and form. So a racecard never blanks a result and vice versa.

use std::borrow::Cow;

use serde::Serialize;

use crate::api::{
    BookmakerRecord, CourseRecord, Endpoint, HorseRecord, OddsRecord, PedigreeRecord, PersonKind,
    PersonRecord, RaceRecord, RunnerRecord, SireKind, SireLike,
};

use super::step::{shown, text, FieldDef, Mode, Resolve, TableWrite};

use Endpoint::{Racecards, Results};
use Mode::{Fill, Initial, Owned};

macro_rules! def {
    ($cols:expr, $only:expr, $mode:expr, |$r:ident| $get:expr) => {
        FieldDef {
            columns: $cols,
            only: $only,
            mode: $mode,
            get: |$r| $get,
        }
    };
}

fn id(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s))
}

/// Furlongs with one decimal, whichever endpoint sent them (racecards `16.0`, results `16f` ->
/// `16`): otherwise a racecard and a result of the same race would keep rewriting each other.
fn furlongs(v: &Option<String>) -> Option<Cow<'_, str>> {
    let s = v.as_deref()?;
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && (f * 10.0).fract() == 0.0 => Some(Cow::Owned(format!("{f:.1}"))),
        _ => Some(Cow::Borrowed(s)),
    }
}

const RACE: &[FieldDef<RaceRecord>] = &[
    def!(&["id"], None, Fill, |r| id(&r.race_id)),
    def!(&["course_id"], None, Fill, |r| id(&r.course_id)),
    def!(&["course_name"], None, Fill, |r| text(&r.course_name)),
    def!(&["date"], None, Fill, |r| Some(Cow::Owned(
        r.date.format("%Y-%m-%d").to_string()
    ))),
    def!(&["off_time"], None, Fill, |r| r
        .off_time
        .map(|t| Cow::Owned(t.format("%H:%M:%S").to_string()))),
    // with its offset: a `timestamp` column keeps the course's wall clock, `timestamptz` the instant
    def!(&["off_dt"], None, Fill, |r| r
        .off_dt
        .map(|t| Cow::Owned(t.to_rfc3339()))),
    def!(&["race_name"], None, Fill, |r| text(&r.race_name)),
    def!(&["region"], None, Fill, |r| text(&r.region)),
    def!(&["type"], None, Fill, |r| text(&r.race_type)),
    def!(&["race_class"], None, Fill, |r| text(&r.race_class)),
    def!(&["pattern"], None, Fill, |r| text(&r.pattern)),
    def!(&["age_band"], None, Fill, |r| text(&r.age_band)),
    def!(&["sex_restriction"], None, Fill, |r| text(
        &r.sex_restriction
    )),
    def!(&["rating_band"], None, Fill, |r| text(&r.rating_band)),
    def!(&["distance"], None, Fill, |r| text(&r.distance)),
    def!(&["distance_round"], None, Fill, |r| text(&r.distance_round)),
    def!(&["distance_f"], None, Fill, |r| furlongs(&r.distance_f)),
    def!(&["distance_yards", "distance_y"], None, Fill, |r| shown(
        &r.distance_yards
    )),
    def!(&["distance_m"], None, Fill, |r| shown(&r.distance_m)),
    def!(&["going"], None, Fill, |r| text(&r.going)),
    def!(&["going_detailed"], None, Fill, |r| text(&r.going_detailed)),
    def!(&["surface"], None, Fill, |r| text(&r.surface)),
    def!(&["jumps"], None, Fill, |r| text(&r.jumps)),
    def!(&["stalls"], None, Fill, |r| text(&r.stalls)),
    def!(&["rail_movements"], None, Fill, |r| text(&r.rail_movements)),
    def!(&["weather"], None, Fill, |r| text(&r.weather)),
    def!(&["prize"], None, Fill, |r| text(&r.prize)),
    def!(&["field_size"], None, Fill, |r| shown(&r.field_size)),
    def!(&["is_big_race"], None, Fill, |r| shown(&r.is_big_race)),
    def!(&["is_abandoned"], None, Fill, |r| shown(&r.is_abandoned)),
    def!(&["race_status"], None, Fill, |r| text(&r.race_status)),
    def!(&["tip"], Some(Racecards), Owned, |r| text(&r.tip)),
    def!(&["verdict"], Some(Racecards), Owned, |r| text(&r.verdict)),
    def!(&["betting_forecast"], Some(Racecards), Owned, |r| text(
        &r.betting_forecast
    )),
    // a racecard only says "no result yet" for a race nobody has a result for
    def!(&["has_result"], Some(Racecards), Initial, |r| shown(&Some(
        r.has_result
    ))),
    def!(&["has_result"], Some(Results), Owned, |r| shown(&Some(
        r.has_result
    ))),
    def!(&["winning_time_detail"], Some(Results), Owned, |r| text(
        &r.winning_time_detail
    )),
    def!(&["comments"], Some(Results), Owned, |r| text(&r.comments)),
    def!(&["non_runners"], Some(Results), Owned, |r| text(
        &r.non_runners
    )),
    def!(&["tote_win"], Some(Results), Owned, |r| text(&r.tote_win)),
    def!(&["tote_pl"], Some(Results), Owned, |r| text(&r.tote_pl)),
    def!(&["tote_ex"], Some(Results), Owned, |r| text(&r.tote_ex)),
    def!(&["tote_csf"], Some(Results), Owned, |r| text(&r.tote_csf)),
    def!(&["tote_tricast"], Some(Results), Owned, |r| text(
        &r.tote_tricast
    )),
    def!(&["tote_trifecta"], Some(Results), Owned, |r| text(
        &r.tote_trifecta
    )),
];

const RUNNER: &[FieldDef<RunnerRecord>] = &[
    def!(&["race_id"], None, Fill, |r| id(&r.race_id)),
    def!(&["horse_id"], None, Fill, |r| id(&r.horse_id)),
    def!(&["horse_name"], None, Fill, |r| text(&r.horse_name)),
    def!(&["jockey_id"], None, Fill, |r| text(&r.jockey_id)),
    def!(&["jockey_name"], None, Fill, |r| text(&r.jockey_name)),
    def!(&["trainer_id"], None, Fill, |r| text(&r.trainer_id)),
    def!(&["trainer_name"], None, Fill, |r| text(&r.trainer_name)),
    def!(&["trainer_location"], None, Fill, |r| text(
        &r.trainer_location
    )),
    def!(&["owner_id"], None, Fill, |r| text(&r.owner_id)),
    def!(&["owner_name"], None, Fill, |r| text(&r.owner_name)),
    def!(&["sire_id"], None, Fill, |r| text(&r.sire_id)),
    def!(&["dam_id"], None, Fill, |r| text(&r.dam_id)),
    def!(&["damsire_id"], None, Fill, |r| text(&r.damsire_id)),
    def!(&["number"], None, Fill, |r| text(&r.number)),
    def!(&["draw"], None, Fill, |r| text(&r.draw)),
    def!(&["weight_lbs"], None, Fill, |r| shown(&r.weight_lbs)),
    def!(&["weight_st_lbs", "weight_stones_lbs"], None, Fill, |r| {
        text(&r.weight_st_lbs)
    }),
    def!(&["age"], None, Fill, |r| shown(&r.age)),
    def!(&["sex"], None, Fill, |r| text(&r.sex)),
    def!(&["sex_code"], None, Fill, |r| text(&r.sex_code)),
    def!(&["colour"], None, Fill, |r| text(&r.colour)),
    def!(&["dob"], None, Fill, |r| shown(&r.dob)),
    def!(&["headgear"], None, Fill, |r| text(&r.headgear)),
    def!(&["silk_url"], None, Fill, |r| text(&r.silk_url)),
    def!(&["ofr"], None, Fill, |r| shown(&r.ofr)),
    def!(&["rpr"], None, Fill, |r| shown(&r.rpr)),
    def!(&["ts"], None, Fill, |r| shown(&r.ts)),
    def!(&["headgear_run"], Some(Racecards), Owned, |r| text(
        &r.headgear_run
    )),
    def!(&["wind_surgery"], Some(Racecards), Owned, |r| text(
        &r.wind_surgery
    )),
    def!(&["wind_surgery_run"], Some(Racecards), Owned, |r| text(
        &r.wind_surgery_run
    )),
    def!(&["form"], Some(Racecards), Owned, |r| text(&r.form)),
    def!(&["last_run"], Some(Racecards), Owned, |r| text(&r.last_run)),
    def!(&["trainer_rtf"], Some(Racecards), Owned, |r| text(
        &r.trainer_rtf
    )),
    def!(&["comment"], Some(Racecards), Owned, |r| text(&r.comment)),
    def!(&["spotlight"], Some(Racecards), Owned, |r| text(
        &r.spotlight
    )),
    def!(&["past_results_flags"], Some(Racecards), Owned, |r| {
        Some(Cow::Owned(
            serde_json::Value::from(r.past_results_flags.clone()).to_string(),
        ))
    }),
    // the result's in-running comment is a different text from the racecard's preview
    def!(&["race_comment"], Some(Results), Owned, |r| text(
        &r.comment
    )),
    def!(&["jockey_claim_lbs"], Some(Results), Owned, |r| shown(
        &r.jockey_claim_lbs
    )),
    def!(&["position"], Some(Results), Owned, |r| shown(&r.position)),
    // the code of a non-finisher (PU, F, UR) where the schema has a place for it
    def!(
        &["position_text", "position_str", "finishing_position"],
        Some(Results),
        Owned,
        |r| text(&r.position_text)
    ),
    def!(&["distance_beaten"], Some(Results), Owned, |r| text(
        &r.distance_beaten
    )),
    def!(
        &["overall_beaten_distance"],
        Some(Results),
        Owned,
        |r| text(&r.overall_beaten_distance)
    ),
    def!(&["starting_price"], Some(Results), Owned, |r| text(
        &r.starting_price
    )),
    def!(&["starting_price_decimal"], Some(Results), Owned, |r| text(
        &r.starting_price_decimal
    )),
    def!(&["bsp", "betfair_sp"], Some(Results), Owned, |r| text(
        &r.bsp
    )),
    def!(&["prize_won"], Some(Results), Owned, |r| text(&r.prize_won)),
    def!(&["finishing_time"], Some(Results), Owned, |r| text(
        &r.finishing_time
    )),
];

const HORSE: &[FieldDef<HorseRecord>] = &[
    def!(&["id"], None, Fill, |r| id(&r.id)),
    def!(&["name"], None, Fill, |r| text(&r.name)),
    def!(&["sire_id"], None, Fill, |r| text(&r.sire_id)),
    def!(&["dam_id"], None, Fill, |r| text(&r.dam_id)),
    def!(&["damsire_id"], None, Fill, |r| text(&r.damsire_id)),
    def!(&["dob"], None, Fill, |r| shown(&r.dob)),
    def!(&["age"], None, Fill, |r| shown(&r.age)),
    def!(&["sex"], None, Fill, |r| text(&r.sex)),
    def!(&["sex_code"], None, Fill, |r| text(&r.sex_code)),
    def!(&["colour"], None, Fill, |r| text(&r.colour)),
    def!(&["colour_code"], None, Fill, |r| text(&r.colour_code)),
    def!(&["breeder"], None, Fill, |r| text(&r.breeder)),
    def!(&["region"], None, Fill, |r| text(&r.region)),
];

const PERSON: &[FieldDef<PersonRecord>] = &[
    def!(&["id"], None, Fill, |r| id(&r.id)),
    def!(&["name"], None, Fill, |r| text(&r.name)),
    def!(&["location"], None, Fill, |r| text(&r.location)),
];

const SIRE_LIKE: &[FieldDef<SireLike>] = &[
    def!(&["id"], None, Fill, |r| id(&r.id)),
    def!(&["name"], None, Fill, |r| text(&r.name)),
    def!(&["horse_id"], None, Fill, |r| text(&r.horse_id)),
    def!(&["region"], None, Fill, |r| text(&r.region)),
];

const PEDIGREE: &[FieldDef<PedigreeRecord>] = &[
    def!(&["horse_id"], None, Fill, |r| id(&r.horse_id)),
    def!(&["sire_id"], None, Fill, |r| text(&r.sire_id)),
    def!(&["sire"], None, Fill, |r| text(&r.sire)),
    def!(&["dam_id"], None, Fill, |r| text(&r.dam_id)),
    def!(&["dam"], None, Fill, |r| text(&r.dam)),
    def!(&["damsire_id"], None, Fill, |r| text(&r.damsire_id)),
    def!(&["damsire"], None, Fill, |r| text(&r.damsire)),
    def!(&["breeder"], None, Fill, |r| text(&r.breeder)),
    def!(&["region"], None, Fill, |r| text(&r.region)),
];

const COURSE: &[FieldDef<CourseRecord>] = &[
    def!(&["id"], None, Fill, |r| id(&r.id)),
    def!(&["name"], None, Fill, |r| text(&r.name)),
    def!(&["region_code"], None, Fill, |r| text(&r.region_code)),
    def!(&["region"], None, Fill, |r| text(&r.region)),
];

/// A region as `/courses` names it (`gb`, `Great Britain`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RegionRecord {
    pub code: String,
    pub name: String,
}

const REGION: &[FieldDef<RegionRecord>] = &[
    def!(&["code"], None, Fill, |r| id(&r.code)),
    def!(&["name"], None, Fill, |r| id(&r.name)),
];

const BOOKMAKER: &[FieldDef<BookmakerRecord>] = &[
    def!(&["code"], None, Fill, |r| id(&r.code)),
    def!(&["name"], None, Fill, |r| id(&r.name)),
    def!(&["type"], None, Fill, |r| text(&r.kind)),
];

const ODDS: &[FieldDef<OddsRecord>] = &[
    def!(&["race_id"], None, Fill, |r| id(&r.race_id)),
    def!(&["horse_id"], None, Fill, |r| id(&r.horse_id)),
    // the code until `Resolve` swaps in the bookmaker's id
    def!(&["bookmaker_id"], None, Fill, |r| id(&r.bookmaker_code)),
    def!(&["fractional_odds"], None, Owned, |r| text(&r.fractional)),
    def!(&["decimal_odds"], None, Owned, |r| text(&r.decimal)),
    def!(&["ew_places"], None, Owned, |r| shown(&r.ew_places)),
    def!(&["ew_denom"], None, Owned, |r| shown(&r.ew_denom)),
    def!(&["updated_at"], None, Fill, |r| r.updated.map(|t| {
        Cow::Owned(t.format("%Y-%m-%d %H:%M:%S").to_string())
    })),
];

pub fn races<'a>(
    endpoint: Endpoint,
    records: impl IntoIterator<Item = &'a RaceRecord>,
) -> TableWrite<'a> {
    let variant = endpoint.path().replace('/', "_");
    let mut step = TableWrite::build(
        "ra_races",
        &variant,
        &["id"],
        RACE,
        Some(endpoint),
        None,
        records,
    );
    step.report_new = true;
    step
}

pub fn runners<'a>(
    endpoint: Endpoint,
    records: impl IntoIterator<Item = &'a RunnerRecord>,
) -> TableWrite<'a> {
    let variant = endpoint.path().replace('/', "_");
    let mut step = TableWrite::build(
        "ra_runners",
        &variant,
        &["race_id", "horse_id"],
        RUNNER,
        Some(endpoint),
        None,
        records,
    );
    if endpoint == Results {
        step.stamps.push("result_updated_at");
    }
    step.lock_races = true;
    step
}

pub fn odds<'a>(records: impl IntoIterator<Item = &'a OddsRecord>) -> TableWrite<'a> {
    let mut step = TableWrite::build(
        "ra_runner_odds",
        "racecards",
        &["race_id", "horse_id", "bookmaker_id"],
        ODDS,
        None,
        None,
        records,
    );
    // `updated_at` is the bookmaker's own time here; `captured_at` says when it was seen
    step.stamps = vec!["captured_at"];
    step.lock_races = true;
    step.resolve = Some(Resolve {
        field: 2,
        table: "ra_bookmakers",
        by: "code",
        to: "id",
    });
    step
}

/// Horses that ran, or whose profile was fetched.
pub fn horses<'a>(records: impl IntoIterator<Item = &'a HorseRecord>) -> TableWrite<'a> {
    TableWrite::build("ra_horses", "horses", &["id"], HORSE, None, None, records)
}

/// Horses known only as a sire, dam or damsire: created when missing, never overwriting what a
/// runner or a profile said; left out (not quarantined) when they cannot be written.
pub fn parent_horses<'a>(records: impl IntoIterator<Item = &'a HorseRecord>) -> TableWrite<'a> {
    let mut step = TableWrite::build(
        "ra_horses",
        "parents",
        &["id"],
        HORSE,
        None,
        Some(Initial),
        records,
    );
    step.optional = true;
    step
}

pub fn people<'a>(
    kind: PersonKind,
    records: impl IntoIterator<Item = &'a PersonRecord>,
) -> TableWrite<'a> {
    let table = match kind {
        PersonKind::Jockey => "ra_jockeys",
        PersonKind::Trainer => "ra_trainers",
        PersonKind::Owner => "ra_owners",
    };
    TableWrite::build(
        table,
        "people",
        &["id"],
        PERSON,
        None,
        None,
        records.into_iter().filter(move |p| p.kind == kind),
    )
}

pub fn sire_likes<'a>(
    kind: SireKind,
    records: impl IntoIterator<Item = &'a SireLike>,
) -> TableWrite<'a> {
    let table = match kind {
        SireKind::Sire => "ra_sires",
        SireKind::Dam => "ra_dams",
        SireKind::Damsire => "ra_damsires",
    };
    TableWrite::build(
        table,
        "sire_likes",
        &["id"],
        SIRE_LIKE,
        None,
        None,
        records.into_iter().filter(move |s| s.kind == kind),
    )
}

pub fn pedigrees<'a>(records: impl IntoIterator<Item = &'a PedigreeRecord>) -> TableWrite<'a> {
    TableWrite::build(
        "ra_horse_pedigree",
        "pedigrees",
        &["horse_id"],
        PEDIGREE,
        None,
        None,
        records,
    )
}

/// Courses from `/courses` (`Fill`), or seen in races (`Initial`: `/courses` names them better).
pub fn courses<'a>(
    from_races: bool,
    records: impl IntoIterator<Item = &'a CourseRecord>,
) -> TableWrite<'a> {
    let (variant, mode) = if from_races {
        ("races", Some(Initial))
    } else {
        ("courses", None)
    };
    TableWrite::build("ra_courses", variant, &["id"], COURSE, None, mode, records)
}

pub fn regions<'a>(records: impl IntoIterator<Item = &'a RegionRecord>) -> TableWrite<'a> {
    TableWrite::build(
        "ra_regions",
        "regions",
        &["code"],
        REGION,
        None,
        None,
        records,
    )
}

pub fn bookmakers<'a>(records: impl IntoIterator<Item = &'a BookmakerRecord>) -> TableWrite<'a> {
    TableWrite::build(
        "ra_bookmakers",
        "bookmakers",
        &["code"],
        BOOKMAKER,
        None,
        None,
        records,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furlongs_are_written_alike_from_both_endpoints() {
        assert_eq!(furlongs(&Some("16".into())).as_deref(), Some("16.0"));
        assert_eq!(furlongs(&Some("16.0".into())).as_deref(), Some("16.0"));
        assert_eq!(furlongs(&Some("7.5".into())).as_deref(), Some("7.5"));
        assert_eq!(furlongs(&Some("7.25".into())).as_deref(), Some("7.25"));
        assert_eq!(furlongs(&None), None);
    }

    #[test]
    fn every_definition_list_builds_with_its_key() {
        let none: [&RaceRecord; 0] = [];
        for e in [Racecards, Results] {
            assert!(races(e, none).field("id").is_some());
            let r: [&RunnerRecord; 0] = [];
            let s = runners(e, r);
            assert_eq!(s.key.len(), 2);
            assert_eq!(
                s.field("position").is_some(),
                e == Results,
                "positions come from results only"
            );
            assert_eq!(s.field("spotlight").is_some(), e == Racecards);
        }
        let o: [&OddsRecord; 0] = [];
        assert_eq!(
            odds(o).resolve.as_ref().unwrap().field,
            odds(o).field("bookmaker_id").unwrap()
        );
    }
}
