//! `/v1/results`: the result field map (distinct from racecards: `class`, `sex_rest`, `dist_*`,
//! `weight_lbs`, `or`, `tsr`, the sex as a code, positions and prices) and its conversion.

use serde::Deserialize;
use serde_json::Value;

use super::records::{Endpoint, RaceRecord, RunnerRecord};
use super::scalar::{list, position, Scalar};
use super::{race_prologue, runner_prologue, FirstSeen, RaceBatch, RaceStart};

/// A result race as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResultRace {
    pub race_id: Scalar,
    pub date: Scalar,
    pub region: Scalar,
    pub course: Scalar,
    pub course_id: Scalar,
    /// 12-hour clock without am/pm: never used for the off time.
    pub off: Scalar,
    pub off_dt: Scalar,
    pub race_name: Scalar,
    #[serde(rename = "type")]
    pub race_type: Scalar,
    pub class: Scalar,
    pub pattern: Scalar,
    pub rating_band: Scalar,
    pub age_band: Scalar,
    pub sex_rest: Scalar,
    pub dist: Scalar,
    pub dist_y: Scalar,
    pub dist_m: Scalar,
    pub dist_f: Scalar,
    pub going: Scalar,
    pub surface: Scalar,
    pub jumps: Scalar,
    #[serde(deserialize_with = "list")]
    pub runners: Vec<Value>,
    pub winning_time_detail: Scalar,
    pub comments: Scalar,
    pub non_runners: Scalar,
    pub tote_win: Scalar,
    pub tote_pl: Scalar,
    pub tote_ex: Scalar,
    pub tote_csf: Scalar,
    pub tote_tricast: Scalar,
    pub tote_trifecta: Scalar,
}

/// A result runner as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResultRunner {
    pub horse_id: Scalar,
    pub horse: Scalar,
    pub sp: Scalar,
    pub sp_dec: Scalar,
    pub bsp: Scalar,
    pub number: Scalar,
    pub position: Scalar,
    pub draw: Scalar,
    pub btn: Scalar,
    pub ovr_btn: Scalar,
    pub age: Scalar,
    /// A code here (`M`), unlike the racecard's word.
    pub sex: Scalar,
    pub weight: Scalar,
    pub weight_lbs: Scalar,
    pub headgear: Scalar,
    pub time: Scalar,
    #[serde(rename = "or")]
    pub official_rating: Scalar,
    pub rpr: Scalar,
    pub tsr: Scalar,
    pub prize: Scalar,
    pub jockey: Scalar,
    pub jockey_claim_lbs: Scalar,
    pub jockey_id: Scalar,
    pub trainer: Scalar,
    pub trainer_id: Scalar,
    pub owner: Scalar,
    pub owner_id: Scalar,
    pub sire: Scalar,
    pub sire_id: Scalar,
    pub dam: Scalar,
    pub dam_id: Scalar,
    pub damsire: Scalar,
    pub damsire_id: Scalar,
    pub comment: Scalar,
    pub silk_url: Scalar,
}

race_head!(ResultRace);

/// Converts the `results` array of one or more pages. Never fails: unusable races and runners go
/// to `rejected`, unreadable values to `warnings`.
pub fn parse_results(items: &[Value], request: &str) -> RaceBatch {
    let mut batch = RaceBatch::new(Endpoint::Results);
    let mut seen = FirstSeen::default();
    for item in items {
        parse_race(item, request, &mut batch, &mut seen);
    }
    batch
}

fn parse_race<'a>(item: &'a Value, request: &str, batch: &mut RaceBatch, seen: &mut FirstSeen<'a>) {
    let Some(RaceStart {
        race,
        race_id,
        course_id,
        off_dt,
        date,
        reader: mut r,
    }) = race_prologue::<ResultRace>(item, request, "result", "results", batch)
    else {
        return;
    };
    let record = RaceRecord {
        race_id: race_id.clone(),
        source: Endpoint::Results,
        course_id,
        course_name: race.course.text(),
        date,
        off_dt,
        off_time: off_dt.map(|d| d.time()),
        race_name: race.race_name.text(),
        region: race.region.text(),
        race_type: race.race_type.text(),
        race_class: race.class.text(),
        pattern: race.pattern.text(),
        age_band: race.age_band.text(),
        sex_restriction: race.sex_rest.text(),
        rating_band: race.rating_band.text(),
        distance: race.dist.text(),
        distance_round: None,
        distance_f: r.furlongs("dist_f", &race.dist_f),
        distance_yards: r.int("dist_y", &race.dist_y),
        distance_m: r.int("dist_m", &race.dist_m),
        going: race.going.text(),
        going_detailed: None,
        surface: race.surface.text(),
        jumps: race.jumps.text(),
        stalls: None,
        rail_movements: None,
        weather: None,
        prize: None,
        field_size: None,
        is_big_race: None,
        is_abandoned: None,
        race_status: None,
        tip: None,
        verdict: None,
        betting_forecast: None,
        has_result: true,
        winning_time_detail: race.winning_time_detail.text(),
        comments: race.comments.text(),
        non_runners: race.non_runners.text(),
        tote_win: race.tote_win.text(),
        tote_pl: race.tote_pl.text(),
        tote_ex: race.tote_ex.text(),
        tote_csf: race.tote_csf.text(),
        tote_tricast: race.tote_tricast.text(),
        tote_trifecta: race.tote_trifecta.text(),
    };
    if !seen.is_first(&race_id, item, &format!("result {race_id}"), batch, request) {
        return;
    }
    seen.keep(race_id.clone(), item);
    batch.races.push(record);
    let mut runners = FirstSeen::default();
    for runner in &race.runners {
        parse_runner(runner, &race_id, request, batch, &mut runners);
    }
}

fn parse_runner<'a>(
    item: &'a Value,
    race_id: &str,
    request: &str,
    batch: &mut RaceBatch,
    seen: &mut FirstSeen<'a>,
) {
    let Some((runner, horse_id, mut r)) = runner_prologue(
        item,
        race_id,
        request,
        "results",
        batch,
        seen,
        |r: &ResultRunner| r.horse_id.text(),
    ) else {
        return;
    };
    let (position, position_text) = position(&runner.position);
    let record = RunnerRecord {
        race_id: race_id.to_string(),
        horse_id,
        source: Endpoint::Results,
        horse_name: runner.horse.text(),
        jockey_id: runner.jockey_id.text(),
        jockey_name: runner.jockey.text(),
        trainer_id: runner.trainer_id.text(),
        trainer_name: runner.trainer.text(),
        trainer_location: None,
        owner_id: runner.owner_id.text(),
        owner_name: runner.owner.text(),
        sire_id: runner.sire_id.text(),
        sire_name: runner.sire.text(),
        dam_id: runner.dam_id.text(),
        dam_name: runner.dam.text(),
        damsire_id: runner.damsire_id.text(),
        damsire_name: runner.damsire.text(),
        number: runner.number.text(),
        draw: runner.draw.text(),
        weight_lbs: r.int("weight_lbs", &runner.weight_lbs),
        weight_st_lbs: runner.weight.text(),
        age: r.int("age", &runner.age),
        sex: None,
        sex_code: runner.sex.text(),
        horse_region: None,
        breeder: None,
        sire_region: None,
        dam_region: None,
        damsire_region: None,
        colour: None,
        dob: None,
        headgear: runner.headgear.text(),
        headgear_run: None,
        wind_surgery: None,
        wind_surgery_run: None,
        form: None,
        last_run: None,
        trainer_rtf: None,
        comment: runner.comment.text(),
        spotlight: None,
        silk_url: runner.silk_url.text(),
        past_results_flags: Vec::new(),
        ofr: r.int("or", &runner.official_rating),
        rpr: r.int("rpr", &runner.rpr),
        ts: r.int("tsr", &runner.tsr),
        jockey_claim_lbs: r.int("jockey_claim_lbs", &runner.jockey_claim_lbs),
        position,
        position_text,
        distance_beaten: runner.btn.text(),
        overall_beaten_distance: r.decimal("ovr_btn", &runner.ovr_btn),
        starting_price: runner.sp.text(),
        starting_price_decimal: r.decimal("sp_dec", &runner.sp_dec),
        bsp: r.decimal("bsp", &runner.bsp),
        prize_won: r.decimal("prize", &runner.prize),
        finishing_time: runner.time.text(),
    };
    batch.runners.push(record);
}
