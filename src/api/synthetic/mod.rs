//! A deterministic synthetic Racing API source.
//!
//! Produces racecards, results, horse profiles and courses as `serde_json::Value`s in the API's
//! exact shapes and string conventions (every scalar a string, `""`/`"-"`/`"–"` for no value,
//! 12-hour `off_time` beside a 24-hour `off_dt`, codes for non-finishers), so the fetchers and the
//! parser can be exercised end to end without an account. Same seed and inputs, same bytes.
//!
//! The world is fixed by the seed: pools of horses, sires, dams, damsires, jockeys, trainers and
//! owners with stable ids, whose attributes are a pure function of `(seed, index)`. Which of them
//! run on a date is drawn from a generator keyed by `(seed, date, region, meeting, race)`, so horses
//! and people recur across days, and the results of a date are the racecards of that date run.
//!
//! [`world`] draws the pools and each day's races, [`json`] writes them in the API's shapes,
//! [`text`] spells prices, names, distances and times the way the API does.

mod json;
mod text;
mod world;

use anyhow::Result;
use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::api::payload::{self, HorseLookup};
use crate::api::{CourseRecord, Parsed, RaceBatch, Source};
use world::{effective_regions, region_courses, ymd};

/// Id bases: pools never overlap, and a sire/dam/damsire number is also its horse number
/// (`sir_N` is `hrs_N`, the API's id rule).
const HORSE_BASE: u64 = 10_000_000;
const SIRE_BASE: u64 = 20_000_000;
const DAM_BASE: u64 = 30_000_000;
const DAMSIRE_BASE: u64 = 40_000_000;
const JOCKEY_BASE: u64 = 50_000;
const TRAINER_BASE: u64 = 60_000;
const OWNER_BASE: u64 = 700_000;

/// Horses are born in cohorts of this size, one per year from `FIRST_COHORT`.
const COHORT: u64 = 400;
const FIRST_COHORT: i32 = 1985;
const COHORTS: u64 = 50;
const HORSES: u64 = COHORT * COHORTS;
const SIRES: u64 = 300;
const DAMS: u64 = 6_000;
const DAMSIRES: u64 = 400;
const JOCKEYS: u64 = 300;
const TRAINERS: u64 = 250;
const OWNERS: u64 = 3_000;

/// Stream tags, so pools keyed by the same index do not share randomness.
const T_HORSE: u64 = 1;
const T_SIRE: u64 = 2;
const T_DAM: u64 = 3;
const T_DAMSIRE: u64 = 4;
const T_JOCKEY: u64 = 5;
const T_TRAINER: u64 = 6;
const T_OWNER: u64 = 7;
const T_DAY: u64 = 8;
const T_RACE: u64 = 9;
const T_RESULT: u64 = 10;
const T_RACECARD: u64 = 11;

/// A deterministic stand-in for The Racing API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synthetic {
    pub seed: u64,
}

impl Synthetic {
    pub fn new(seed: u64) -> Synthetic {
        Synthetic { seed }
    }

    /// `/v1/racecards/pro?date=..&region_codes=..` for one date (all of it on one page). Empty
    /// `regions` means `gb` and `ire`.
    pub fn racecards(&self, date: NaiveDate, regions: &[String]) -> Value {
        let regions = effective_regions(regions);
        let cards: Vec<Value> = regions
            .iter()
            .flat_map(|r| self.day(date, r))
            .map(|race| self.racecard_json(&race))
            .collect();
        let mut query = vec![json!(["date", ymd(date)])];
        query.extend(regions.iter().map(|r| json!(["region_codes", r])));
        // big arrays are moved in afterwards: `json!` would deep-copy them through the serializer
        let mut v = json!({
            "total": cards.len(),
            "limit": cards.len().max(500),
            "skip": 0,
            "query": query,
        });
        v["racecards"] = Value::Array(cards);
        v
    }

    /// `/v1/results?start_date=date&end_date=date&region=..` (all of it on one page). Abandoned
    /// races have no result; non-runners are left out and named in `non_runners`.
    pub fn results(&self, date: NaiveDate, regions: &[String]) -> Value {
        let regions = effective_regions(regions);
        let results: Vec<Value> = regions
            .iter()
            .flat_map(|r| self.day(date, r))
            .filter(|race| !race.abandoned)
            .map(|race| self.result_json(&race))
            .collect();
        let limit = results.len().max(50);
        let mut query = vec![
            json!(["limit", limit.to_string()]),
            json!(["skip", "0"]),
            json!(["start_date", ymd(date)]),
            json!(["end_date", ymd(date)]),
        ];
        query.extend(regions.iter().map(|r| json!(["region", r])));
        // big arrays are moved in afterwards: `json!` would deep-copy them through the serializer
        let mut v = json!({
            "total": results.len(),
            "limit": limit,
            "skip": 0,
            "query": query,
        });
        v["results"] = Value::Array(results);
        v
    }

    /// `/v1/horses/{id}/pro`: runners and every sire, dam and damsire (by the id rule) have a
    /// profile; anything else is `None` (a 404).
    pub fn horse_pro(&self, id: &str) -> Option<Value> {
        let n: u64 = id.strip_prefix("hrs_")?.parse().ok()?;
        let in_pool = |base: u64, size: u64| (base..base + size).contains(&n).then(|| n - base);
        if let Some(k) = in_pool(HORSE_BASE, HORSES) {
            let h = self.horse(k);
            let (sire, dam, damsire) =
                (self.sire(h.sire), self.dam(h.dam), self.damsire(h.damsire));
            return Some(json!({
                "id": h.id, "name": h.name, "sex": h.sex, "sex_code": h.sex_code,
                "colour": h.colour, "colour_code": h.colour.to_uppercase(), "dob": ymd(h.dob),
                "breeder": h.breeder,
                "sire": sire.name, "sire_id": sire.id,
                "dam": dam.name, "dam_id": dam.id,
                "damsire": damsire.name, "damsire_id": damsire.id,
            }));
        }
        let parent = if let Some(k) = in_pool(SIRE_BASE, SIRES) {
            (self.sire(k), "horse", "H")
        } else if let Some(k) = in_pool(DAM_BASE, DAMS) {
            (self.dam(k), "mare", "M")
        } else if let Some(k) = in_pool(DAMSIRE_BASE, DAMSIRES) {
            (self.damsire(k), "horse", "H")
        } else {
            return None;
        };
        let (p, sex, sex_code) = parent;
        // parents' own pedigree is outside the synthetic world: the API's "no value" strings
        Some(json!({
            "id": id, "name": p.name, "sex": sex, "sex_code": sex_code,
            "colour": "b", "colour_code": "B", "dob": "", "breeder": "",
            "sire": "", "sire_id": "", "dam": "", "dam_id": "", "damsire": "", "damsire_id": "",
        }))
    }

    /// `/v1/courses?region_codes=..`. Empty `regions` means `gb` and `ire`.
    pub fn courses(&self, regions: &[String]) -> Value {
        let courses: Vec<Value> = effective_regions(regions)
            .iter()
            .flat_map(|r| region_courses(r))
            .map(|c| json!({"id": c.id, "course": c.name, "region_code": c.region_code, "region": c.region_name}))
            .collect();
        json!({"courses": courses, "total": courses.len()})
    }
}

/// One page of a synthetic list response, as the API would serve it for `limit`/`skip`: the
/// `key` array sliced, `total` unchanged. For serving synthetic data through a paging server.
pub fn page(payload: &Value, key: &str, skip: usize, limit: usize) -> Value {
    let mut out = payload.clone();
    let items: Vec<Value> = payload
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().skip(skip).take(limit).cloned().collect())
        .unwrap_or_default();
    out[key] = Value::Array(items);
    out["skip"] = json!(skip);
    out["limit"] = json!(limit);
    out
}

fn synthetic_request(path: &str, query: Vec<(&str, String)>) -> String {
    format!("synthetic {}", crate::api::describe(path, &query))
}

impl Source for Synthetic {
    fn label(&self) -> &'static str {
        "synthetic"
    }

    fn fetch_courses(&self, regions: &[String]) -> Result<Parsed<CourseRecord>> {
        let request = synthetic_request(
            "/v1/courses",
            regions
                .iter()
                .map(|r| ("region_codes", r.clone()))
                .collect(),
        );
        payload::parse_courses_response(&self.courses(regions), &request)
    }

    fn fetch_racecards(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch> {
        let mut query = vec![("date", ymd(date))];
        query.extend(regions.iter().map(|r| ("region_codes", r.clone())));
        let request = synthetic_request("/v1/racecards/pro", query);
        payload::parse_racecards_response(&self.racecards(date, regions), &request)
    }

    fn fetch_results(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch> {
        let mut query = vec![("start_date", ymd(date)), ("end_date", ymd(date))];
        query.extend(regions.iter().map(|r| ("region", r.clone())));
        let request = synthetic_request("/v1/results", query);
        payload::parse_results_response(&self.results(date, regions), &request)
    }

    fn fetch_horse(&self, horse_id: &str) -> Result<HorseLookup> {
        let request = synthetic_request(&format!("/v1/horses/{horse_id}/pro"), Vec::new());
        Ok(match self.horse_pro(horse_id) {
            None => HorseLookup::Absent,
            Some(v) => match payload::parse_horse_pro(&v, &request) {
                Ok(profile) => HorseLookup::Found(Box::new(profile)),
                Err(rejected) => HorseLookup::Rejected(rejected),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use std::collections::BTreeSet;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn regions() -> Vec<String> {
        vec!["gb".into(), "ire".into()]
    }

    #[test]
    fn same_inputs_same_output_and_seed_matters() {
        let a = Synthetic::new(7);
        let b = Synthetic::new(7);
        let date = d("2025-10-13");
        assert_eq!(a.racecards(date, &regions()), b.racecards(date, &regions()));
        assert_eq!(a.results(date, &regions()), b.results(date, &regions()));
        assert_eq!(a.courses(&regions()), b.courses(&regions()));
        assert_eq!(a.horse_pro("hrs_10000001"), b.horse_pro("hrs_10000001"));
        assert_eq!(
            a.racecards(date, &regions()).to_string(),
            b.racecards(date, &regions()).to_string(),
            "byte-identical"
        );
        assert_ne!(
            a.racecards(date, &regions()),
            Synthetic::new(8).racecards(date, &regions())
        );
    }

    #[test]
    fn round_trips_through_the_parser_without_rejections() {
        let s = Synthetic::new(42);
        let mut finishers_codes = BTreeSet::new();
        let mut missing_ratings = 0;
        // spread over a year: both clock offsets, flat and jumps seasons
        for day in 0..8 {
            let date = d("2025-01-03") + Duration::days(day * 47);
            let cards = s.fetch_racecards(date, &regions()).unwrap();
            assert!(cards.rejected.is_empty(), "{:?}", cards.rejected.first());
            assert!(cards.warnings.is_empty(), "{:?}", cards.warnings.first());
            assert!(!cards.races.is_empty());
            for race in &cards.races {
                let n = cards
                    .runners
                    .iter()
                    .filter(|r| r.race_id == race.race_id)
                    .count();
                assert!((6..=14).contains(&n), "{} has {n} runners", race.race_id);
                assert_eq!(race.field_size, Some(n as i32));
                assert!(race.off_dt.is_some() && race.off_time.is_some());
            }
            missing_ratings += cards
                .runners
                .iter()
                .filter(|r| r.ofr.is_none() || r.ts.is_none() || r.rpr.is_none())
                .count();
            assert!(!cards.odds.is_empty());

            let results = s.fetch_results(date, &regions()).unwrap();
            assert!(
                results.rejected.is_empty(),
                "{:?}",
                results.rejected.first()
            );
            assert!(
                results.warnings.is_empty(),
                "{:?}",
                results.warnings.first()
            );
            let card_ids: BTreeSet<_> = cards.races.iter().map(|r| r.race_id.clone()).collect();
            assert!(results.races.iter().all(|r| card_ids.contains(&r.race_id)));
            for r in &results.runners {
                if r.position.is_none() {
                    finishers_codes.insert(r.position_text.clone().unwrap());
                }
            }
            assert!(results.runners.iter().any(|r| r.position == Some(1)));
            assert!(results.races.iter().all(|r| r.winning_time_detail.is_some()
                && r.distance_yards.is_some()
                && r.off_dt.is_some()));
            assert!(cards
                .races
                .iter()
                .all(|r| r.prize.is_some() && r.distance_f.is_some()));
        }
        assert!(finishers_codes.contains("PU"), "{finishers_codes:?}");
        assert!(
            finishers_codes.contains("F") && finishers_codes.contains("UR"),
            "{finishers_codes:?}"
        );
        assert!(missing_ratings > 0);
    }

    #[test]
    fn horses_and_people_recur_across_days() {
        let s = Synthetic::new(1);
        let day1 = s
            .fetch_racecards(d("2025-06-01"), &regions())
            .unwrap()
            .entities();
        let day2 = s
            .fetch_racecards(d("2025-06-08"), &regions())
            .unwrap()
            .entities();
        let ids = |e: &crate::api::Entities| {
            e.horses
                .iter()
                .map(|h| h.id.clone())
                .collect::<BTreeSet<_>>()
        };
        let people = |e: &crate::api::Entities| {
            e.people
                .iter()
                .map(|p| p.id.clone())
                .collect::<BTreeSet<_>>()
        };
        assert!(ids(&day1).intersection(&ids(&day2)).count() > 0);
        assert!(people(&day1).intersection(&people(&day2)).count() > 10);
    }

    #[test]
    fn profiles_exist_for_runners_and_by_the_id_rule_for_parents() {
        let s = Synthetic::new(3);
        let cards = s.fetch_racecards(d("2025-10-13"), &regions()).unwrap();
        let runner = &cards.runners[0];
        let HorseLookup::Found(profile) = s.fetch_horse(&runner.horse_id).unwrap() else {
            panic!("runner has no profile");
        };
        assert_eq!(profile.horse.name, runner.horse_name);
        assert_eq!(profile.pedigree.sire_id, runner.sire_id);
        for sl in &profile.sire_likes {
            let horse_id = sl.horse_id.as_ref().expect("id rule applies");
            assert!(
                matches!(s.fetch_horse(horse_id).unwrap(), HorseLookup::Found(_)),
                "{horse_id}"
            );
        }
        assert_eq!(s.fetch_horse("hrs_1").unwrap(), HorseLookup::Absent);
        assert_eq!(s.horse_pro("jky_1"), None);
    }

    #[test]
    fn off_dt_is_24_hour_and_off_time_12_hour() {
        let s = Synthetic::new(5);
        let v = s.racecards(d("2025-07-01"), &["gb".into()]);
        for card in v["racecards"].as_array().unwrap() {
            let off_dt = card["off_dt"].as_str().unwrap();
            assert!(off_dt.ends_with("+01:00"), "{off_dt}");
            let hour: u32 = off_dt[11..13].parse().unwrap();
            let h12: u32 = card["off_time"]
                .as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=12).contains(&h12));
            assert_eq!(hour % 12, h12 % 12);
        }
        let winter = s.racecards(d("2025-12-01"), &["gb".into()]);
        assert!(winter["racecards"][0]["off_dt"]
            .as_str()
            .unwrap()
            .ends_with("+00:00"));
    }

    #[test]
    fn any_region_works_and_courses_parse() {
        let s = Synthetic::new(9);
        let cards = s
            .fetch_racecards(d("2030-01-05"), &["fr".into(), "xyz".into()])
            .unwrap();
        assert!(cards.rejected.is_empty() && !cards.races.is_empty());
        let courses = s.fetch_courses(&regions()).unwrap();
        assert!(courses.rejected.is_empty());
        assert!(courses
            .records
            .iter()
            .any(|c| c.region.as_deref() == Some("Great Britain")));
    }

    #[test]
    fn paging_slices_but_keeps_total() {
        let s = Synthetic::new(2);
        let full = s.racecards(d("2025-10-13"), &regions());
        let total = full["total"].as_u64().unwrap() as usize;
        let p = page(&full, "racecards", 2, 3);
        assert_eq!(p["racecards"].as_array().unwrap().len(), 3.min(total - 2));
        assert_eq!(p["total"], full["total"]);
        assert_eq!(p["racecards"][0], full["racecards"][2]);
    }
}
