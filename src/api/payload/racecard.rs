//! `/v1/racecards/pro`: the racecard field map (distinct from results; see the naming table in
//! `racing-api.md`) and its conversion to records.

use serde::Deserialize;
use serde_json::Value;

use super::records::{Endpoint, OddsRecord, RaceRecord, RunnerRecord};
use super::scalar::{list, Flag, Reader, Scalar};
use super::{
    bookmakers::bookmaker_code, race_prologue, runner_prologue, FirstSeen, RaceBatch, RaceStart,
};

/// A racecard race as sent. Unknown fields are ignored; `runners` stay raw so each can be
/// accepted or quarantined on its own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RacecardRace {
    pub race_id: Scalar,
    pub course: Scalar,
    pub course_id: Scalar,
    pub date: Scalar,
    /// 12-hour clock without am/pm: read for nothing, kept for completeness.
    pub off_time: Scalar,
    pub off_dt: Scalar,
    pub race_name: Scalar,
    pub distance_round: Scalar,
    pub distance: Scalar,
    pub distance_f: Scalar,
    pub region: Scalar,
    pub pattern: Scalar,
    pub sex_restriction: Scalar,
    pub race_class: Scalar,
    #[serde(rename = "type")]
    pub race_type: Scalar,
    pub age_band: Scalar,
    pub rating_band: Scalar,
    pub prize: Scalar,
    pub field_size: Scalar,
    pub going_detailed: Scalar,
    pub rail_movements: Scalar,
    pub stalls: Scalar,
    pub weather: Scalar,
    pub going: Scalar,
    pub surface: Scalar,
    pub jumps: Scalar,
    pub big_race: Flag,
    pub is_abandoned: Flag,
    pub tip: Scalar,
    pub verdict: Scalar,
    pub betting_forecast: Scalar,
    pub race_status: Scalar,
    #[serde(deserialize_with = "list")]
    pub runners: Vec<Value>,
}

/// A racecard runner as sent (the fields the records use; the rest is ignored).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RacecardRunner {
    pub horse_id: Scalar,
    pub horse: Scalar,
    pub dob: Scalar,
    pub age: Scalar,
    pub sex: Scalar,
    pub sex_code: Scalar,
    pub colour: Scalar,
    pub region: Scalar,
    pub breeder: Scalar,
    pub dam: Scalar,
    pub dam_id: Scalar,
    pub dam_region: Scalar,
    pub sire: Scalar,
    pub sire_id: Scalar,
    pub sire_region: Scalar,
    pub damsire: Scalar,
    pub damsire_id: Scalar,
    pub damsire_region: Scalar,
    pub trainer: Scalar,
    pub trainer_id: Scalar,
    pub trainer_location: Scalar,
    pub owner: Scalar,
    pub owner_id: Scalar,
    pub comment: Scalar,
    pub spotlight: Scalar,
    pub number: Scalar,
    pub draw: Scalar,
    pub headgear: Scalar,
    pub headgear_run: Scalar,
    pub wind_surgery: Scalar,
    pub wind_surgery_run: Scalar,
    #[serde(deserialize_with = "list")]
    pub past_results_flags: Vec<Value>,
    pub lbs: Scalar,
    pub ofr: Scalar,
    pub rpr: Scalar,
    pub ts: Scalar,
    pub jockey: Scalar,
    pub jockey_id: Scalar,
    pub silk_url: Scalar,
    pub last_run: Scalar,
    pub form: Scalar,
    pub trainer_rtf: Scalar,
    #[serde(deserialize_with = "list")]
    pub odds: Vec<Value>,
}

/// One bookmaker price as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawOdds {
    pub bookmaker: Scalar,
    pub fractional: Scalar,
    pub decimal: Scalar,
    pub ew_places: Scalar,
    pub ew_denom: Scalar,
    pub updated: Scalar,
}

race_head!(RacecardRace);

/// Converts the `racecards` array of one or more pages. Never fails: unusable races, runners and
/// odds entries go to `rejected`, unreadable values to `warnings`.
pub fn parse_racecards(items: &[Value], request: &str) -> RaceBatch {
    let mut batch = RaceBatch::new(Endpoint::Racecards);
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
    }) = race_prologue::<RacecardRace>(item, request, "racecard", "racecards/pro", batch)
    else {
        return;
    };
    let record = RaceRecord {
        race_id: race_id.clone(),
        source: Endpoint::Racecards,
        course_id,
        course_name: race.course.text(),
        date,
        off_dt,
        off_time: off_dt.map(|d| d.time()),
        race_name: race.race_name.text(),
        region: race.region.text(),
        race_type: race.race_type.text(),
        race_class: race.race_class.text(),
        pattern: race.pattern.text(),
        age_band: race.age_band.text(),
        sex_restriction: race.sex_restriction.text(),
        rating_band: race.rating_band.text(),
        distance: race.distance.text(),
        distance_round: race.distance_round.text(),
        distance_f: r.furlongs("distance_f", &race.distance_f),
        distance_yards: None,
        distance_m: None,
        going: race.going.text(),
        going_detailed: race.going_detailed.text(),
        surface: race.surface.text(),
        jumps: race.jumps.text(),
        stalls: race.stalls.text(),
        rail_movements: race.rail_movements.text(),
        weather: race.weather.text(),
        prize: r.decimal("prize", &race.prize),
        field_size: r.int("field_size", &race.field_size),
        is_big_race: race.big_race.0,
        is_abandoned: race.is_abandoned.0,
        race_status: race.race_status.text(),
        tip: race.tip.text(),
        verdict: race.verdict.text(),
        betting_forecast: race.betting_forecast.text(),
        has_result: false,
        winning_time_detail: None,
        comments: None,
        non_runners: None,
        tote_win: None,
        tote_pl: None,
        tote_ex: None,
        tote_csf: None,
        tote_tricast: None,
        tote_trifecta: None,
    };
    if !seen.is_first(
        &race_id,
        item,
        &format!("racecard {race_id}"),
        batch,
        request,
    ) {
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
        "racecards/pro",
        batch,
        seen,
        |r: &RacecardRunner| r.horse_id.text(),
    ) else {
        return;
    };
    let record = RunnerRecord {
        race_id: race_id.to_string(),
        horse_id: horse_id.clone(),
        source: Endpoint::Racecards,
        horse_name: runner.horse.text(),
        jockey_id: runner.jockey_id.text(),
        jockey_name: runner.jockey.text(),
        trainer_id: runner.trainer_id.text(),
        trainer_name: runner.trainer.text(),
        trainer_location: runner.trainer_location.text(),
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
        weight_lbs: r.int("lbs", &runner.lbs),
        weight_st_lbs: None,
        age: r.int("age", &runner.age),
        sex: runner.sex.text(),
        sex_code: runner.sex_code.text(),
        horse_region: runner.region.text(),
        breeder: runner.breeder.text(),
        sire_region: runner.sire_region.text(),
        dam_region: runner.dam_region.text(),
        damsire_region: runner.damsire_region.text(),
        colour: runner.colour.text(),
        dob: r.date("dob", &runner.dob),
        headgear: runner.headgear.text(),
        headgear_run: runner.headgear_run.text(),
        wind_surgery: runner.wind_surgery.text(),
        wind_surgery_run: runner.wind_surgery_run.text(),
        form: runner.form.text(),
        last_run: runner.last_run.text(),
        trainer_rtf: runner.trainer_rtf.text(),
        comment: runner.comment.text(),
        spotlight: runner.spotlight.text(),
        silk_url: runner.silk_url.text(),
        past_results_flags: runner
            .past_results_flags
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        ofr: r.int("ofr", &runner.ofr),
        rpr: r.int("rpr", &runner.rpr),
        ts: r.int("ts", &runner.ts),
        jockey_claim_lbs: None,
        position: None,
        position_text: None,
        distance_beaten: None,
        overall_beaten_distance: None,
        starting_price: None,
        starting_price_decimal: None,
        bsp: None,
        prize_won: None,
        finishing_time: None,
    };
    batch.runners.push(record);
    for odds in &runner.odds {
        parse_odds(odds, race_id, &horse_id, request, batch);
    }
}

fn parse_odds(item: &Value, race_id: &str, horse_id: &str, request: &str, batch: &mut RaceBatch) {
    let raw = match RawOdds::deserialize(item) {
        Ok(o) => o,
        Err(e) => {
            return batch.reject(
                request,
                item,
                format!("odds for {horse_id} in {race_id}: {e}"),
            )
        }
    };
    let Some(bookmaker) = raw.bookmaker.text() else {
        return batch.reject(
            request,
            item,
            format!("odds for {horse_id} in {race_id} have no bookmaker"),
        );
    };
    let mut r = Reader {
        context: format!("racecards/pro {race_id} {horse_id} odds {bookmaker}"),
        warnings: &mut batch.warnings,
    };
    let record = OddsRecord {
        race_id: race_id.to_string(),
        horse_id: horse_id.to_string(),
        bookmaker_code: bookmaker_code(&bookmaker),
        bookmaker,
        fractional: raw.fractional.text(),
        decimal: r.decimal("decimal", &raw.decimal),
        ew_places: r.int("ew_places", &raw.ew_places),
        ew_denom: r.int("ew_denom", &raw.ew_denom),
        updated: r.naive_datetime("updated", &raw.updated),
    };
    batch.odds.push(record);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_race_or_runner_of_the_wrong_shape_is_named_in_its_error() {
        let items = [
            json!({"race_id": "rac_1", "course_id": "crs_1", "date": "2025-10-13", "runners": 7}),
            json!({"race_id": "rac_2", "course_id": "crs_1", "date": "2025-10-13",
                   "runners": [{"horse_id": "hrs_1", "lbs": [1]}]}),
        ];
        let batch = parse_racecards(&items, "GET /v1/racecards/pro");
        let errors: Vec<&str> = batch.rejected.iter().map(|r| r.error.as_str()).collect();
        assert_eq!(
            errors,
            [
                "racecard rac_1: expected an array, found a number",
                "runner hrs_1 in rac_2: expected a scalar, found an array"
            ]
        );
    }
}
