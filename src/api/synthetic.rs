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

use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use serde_json::{json, Value};

use crate::api::payload::{self, HorseLookup};
use crate::api::rng::{hash_str, Rng};
use crate::api::{CourseRecord, Parsed, RaceBatch, Source};

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

    /// The races of one date and region, with their runners; the single source of both
    /// racecards and results.
    fn day(&self, date: NaiveDate, region: &str) -> Vec<RacePlan> {
        let courses = region_courses(region);
        let day_key = day_number(date);
        let mut rng = Rng::keyed(&[self.seed, T_DAY, day_key, hash_str(region)]);
        let max_meetings = if region == "gb" { 5 } else { 3 };
        let meetings = rng.range(1, max_meetings.min(courses.len() as u64)) as usize;
        let mut order: Vec<usize> = (0..courses.len()).collect();
        shuffle(&mut order, &mut rng);
        let mut races = Vec::new();
        for (m, &ci) in order.iter().take(meetings).enumerate() {
            let course = &courses[ci];
            let jumps = !course.all_weather && rng.chance(0.5);
            let n_races = rng.range(6, 8);
            // meetings start at staggered times; evening meetings exist
            let first = 12 * 60 + 30 * rng.range(0, 12) as u32;
            for r in 0..n_races {
                let number = race_number(date, region, m as u64, r);
                let off_minutes = first + (r as u32) * (30 + 5 * rng.range(0, 1) as u32);
                races.push(self.race(date, region, course, number, jumps, off_minutes));
            }
        }
        races
    }

    fn race(
        &self,
        date: NaiveDate,
        region: &str,
        course: &Course,
        number: u64,
        jumps: bool,
        off_minutes: u32,
    ) -> RacePlan {
        let mut rng = Rng::keyed(&[self.seed, T_RACE, number]);
        let race_type = if jumps {
            *rng.pick(&["Hurdle", "Chase", "NH Flat"])
        } else {
            "Flat"
        };
        let furlongs = if jumps {
            rng.range(16, 28)
        } else {
            rng.range(5, 16)
        };
        let yards = furlongs * 220
            + if rng.chance(0.5) {
                rng.range(1, 150)
            } else {
                0
            };
        let class = rng.range(1, 7);
        let n_runners = rng.range(6, 14) as usize;
        let year = date.year();
        let mut chosen: Vec<u64> = Vec::new();
        while chosen.len() < n_runners {
            // a runner is 2 to 12 years old (jumpers 4 to 12) on the race date
            let age = if jumps {
                rng.range(4, 12)
            } else {
                rng.range(2, 9)
            } as i32;
            let cohort = (year - age - FIRST_COHORT).clamp(0, COHORTS as i32 - 1) as u64;
            let k = cohort * COHORT + rng.range(0, COHORT - 1);
            if !chosen.contains(&k) {
                chosen.push(k);
            }
        }
        let mut draws: Vec<u64> = (1..=n_runners as u64).collect();
        shuffle(&mut draws, &mut rng);
        let runners: Vec<RunnerPlan> = chosen
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                let horse = self.horse(k);
                let jockey = if rng.chance(0.6) {
                    horse.usual_jockey
                } else {
                    rng.range(0, JOCKEYS - 1)
                };
                let strength = rng.next_f64() + 0.2;
                let lbs = if jumps {
                    rng.range(140, 168)
                } else {
                    rng.range(112, 140)
                };
                RunnerPlan {
                    age: (year - horse.dob.year()).max(1),
                    horse,
                    jockey,
                    number: i as u64 + 1,
                    draw: if jumps { 0 } else { draws[i] },
                    lbs,
                    ofr: rating(&mut rng, 40, 140, "-"),
                    rpr: rating(&mut rng, 30, 150, ""),
                    ts: rating(&mut rng, 1, 120, "–"),
                    strength,
                    headgear: if rng.chance(0.3) {
                        rng.pick(&["p", "t", "b", "v", "h", "tp", "cp"]).to_string()
                    } else {
                        String::new()
                    },
                    claim: if rng.chance(0.15) {
                        *rng.pick(&[3, 5, 7])
                    } else {
                        0
                    },
                    non_runner: false,
                }
            })
            .collect();
        let mut plan = RacePlan {
            race_id: format!("rac_{number}"),
            date,
            region: region.to_uppercase(),
            course: course.clone(),
            off_minutes,
            race_type,
            class,
            furlongs,
            yards,
            going: rng
                .pick(&[
                    "Good",
                    "Good To Soft",
                    "Soft",
                    "Good To Firm",
                    "Heavy",
                    "Standard",
                ])
                .to_string(),
            prize: rng.range(3, 60) * 1_000 + rng.range(0, 999),
            big_race: class == 1 && rng.chance(0.5),
            abandoned: rng.chance(0.02),
            name: race_name(&mut rng, race_type, class),
            odds: Vec::new(),
            runners,
        };
        if plan.runners.len() > 7 {
            for r in plan.runners.iter_mut() {
                r.non_runner = rng.chance(0.06);
            }
        }
        plan.odds = prices(&plan.runners);
        plan
    }

    fn horse(&self, k: u64) -> Horse {
        let mut rng = Rng::keyed(&[self.seed, T_HORSE, k]);
        let birth_year = FIRST_COHORT + (k / COHORT) as i32;
        let dob =
            NaiveDate::from_ymd_opt(birth_year, rng.range(1, 5) as u32, rng.range(1, 28) as u32)
                .expect("day 1..=28 exists in every month");
        let region = *rng.pick(&["GB", "GB", "GB", "IRE", "IRE", "FR"]);
        let (sex, sex_code) = *rng.pick(&[
            ("gelding", "G"),
            ("gelding", "G"),
            ("mare", "M"),
            ("filly", "F"),
            ("colt", "C"),
        ]);
        let base = horse_name(&mut rng);
        Horse {
            id: format!("hrs_{}", HORSE_BASE + k),
            name: if region == "GB" {
                base
            } else {
                format!("{base} ({region})")
            },
            dob,
            sex,
            sex_code,
            colour: rng.pick(&["b", "br", "ch", "gr"]).to_string(),
            region,
            breeder: person_name(&mut rng),
            sire: rng.range(0, SIRES - 1),
            dam: rng.range(0, DAMS - 1),
            damsire: rng.range(0, DAMSIRES - 1),
            trainer: rng.range(0, TRAINERS - 1),
            owner: rng.range(0, OWNERS - 1),
            usual_jockey: rng.range(0, JOCKEYS - 1),
        }
    }

    fn parent(&self, tag: u64, base: u64, prefix: &str, k: u64) -> Parent {
        let mut rng = Rng::keyed(&[self.seed, tag, k]);
        let region = *rng.pick(&["GB", "IRE", "IRE", "FR", "USA"]);
        Parent {
            id: format!("{prefix}{}", base + k),
            name: format!("{} ({region})", horse_name(&mut rng)),
            region,
        }
    }

    fn sire(&self, k: u64) -> Parent {
        self.parent(T_SIRE, SIRE_BASE, "sir_", k)
    }

    fn dam(&self, k: u64) -> Parent {
        self.parent(T_DAM, DAM_BASE, "dam_", k)
    }

    fn damsire(&self, k: u64) -> Parent {
        self.parent(T_DAMSIRE, DAMSIRE_BASE, "dsi_", k)
    }

    fn jockey(&self, k: u64) -> (String, String) {
        let mut rng = Rng::keyed(&[self.seed, T_JOCKEY, k]);
        (format!("jky_{}", JOCKEY_BASE + k), person_name(&mut rng))
    }

    fn trainer(&self, k: u64) -> (String, String, String) {
        let mut rng = Rng::keyed(&[self.seed, T_TRAINER, k]);
        let location = format!("{}, {}", rng.pick(PLACES), rng.pick(COUNTIES));
        (
            format!("trn_{}", TRAINER_BASE + k),
            person_name(&mut rng),
            location,
        )
    }

    fn owner(&self, k: u64) -> (String, String) {
        let mut rng = Rng::keyed(&[self.seed, T_OWNER, k]);
        let name = if rng.chance(0.6) {
            person_name(&mut rng)
        } else {
            format!(
                "{} {}",
                title(rng.pick::<&str>(WORDS_A)),
                rng.pick(&["Partnership", "Syndicate", "Racing", "Racing Club"])
            )
        };
        (format!("own_{}", OWNER_BASE + k), name)
    }

    fn racecard_json(&self, race: &RacePlan) -> Value {
        let number: u64 = race.race_id.trim_start_matches("rac_").parse().unwrap_or(0);
        // a separate stream from the plan's, so adding racecard detail never changes results
        let mut rng = Rng::keyed(&[self.seed, T_RACECARD, number]);
        let runners: Vec<Value> = race
            .runners
            .iter()
            .enumerate()
            .map(|(i, r)| self.racecard_runner(race, i, r, &mut rng))
            .collect();
        let mut by_price: Vec<usize> = (0..race.runners.len()).collect();
        by_price.sort_by(|&a, &b| race.odds[a].total_cmp(&race.odds[b]));
        let forecast: Vec<String> = by_price
            .iter()
            .take(3)
            .map(|&i| {
                format!(
                    "{} {}",
                    fractional(race.odds[i]),
                    race.runners[i].horse.name
                )
            })
            .collect();
        let tip = &race.runners[by_price[0]].horse.name;
        let off = race.off_dt();
        let mut v = json!({
            "race_id": race.race_id, "course": race.course.name, "course_id": race.course.id,
            "date": ymd(race.date), "off_time": off.1, "off_dt": off.0,
            "race_name": race.name,
            "distance_round": distance_text(race.yards, true),
            "distance": distance_text(race.yards, false),
            "distance_f": format!("{:.1}", race.furlongs as f64),
            "region": race.region, "pattern": pattern(race),
            "sex_restriction": "", "race_class": class_text(race), "type": race.race_type,
            "age_band": if race.race_type == "Flat" { "3yo+" } else { "4yo+" },
            "rating_band": rating_band(race),
            "prize": format!("£{},{:03}", race.prize / 1_000, race.prize % 1_000),
            "field_size": race.runners.len().to_string(),
            "going_detailed": "", "rail_movements": "",
            "stalls": if race.race_type == "Flat" { "Inside" } else { "" },
            "weather": "", "going": race.going, "surface": race.course.surface(),
            "jumps": jumps_text(race),
            "big_race": race.big_race, "is_abandoned": race.abandoned,
            "tip": tip,
            "verdict": format!("{} looks the one to beat.", tip.to_uppercase()),
            "betting_forecast": forecast.join(", "),
        });
        v["runners"] = Value::Array(runners);
        v
    }

    fn racecard_runner(&self, race: &RacePlan, i: usize, r: &RunnerPlan, rng: &mut Rng) -> Value {
        let h = &r.horse;
        let (jockey_id, jockey) = self.jockey(r.jockey);
        let (trainer_id, trainer, location) = self.trainer(h.trainer);
        let (owner_id, owner) = self.owner(h.owner);
        let (sire, dam, damsire) = (self.sire(h.sire), self.dam(h.dam), self.damsire(h.damsire));
        let base = ladder_index(race.odds[i]);
        let n_books = rng.range(3, 6) as usize;
        let mut books: Vec<&str> = FEED_BOOKMAKERS.to_vec();
        shuffle(&mut books, rng);
        let updated = format!("{} {}", ymd(race.date), "09:30:00");
        let odds: Vec<Value> = books
            .iter()
            .take(n_books)
            .map(|b| {
                // each bookmaker within a step of the market price
                let step = (base as i64 + rng.range(0, 2) as i64 - 1)
                    .clamp(0, LADDER.len() as i64 - 1) as usize;
                let (n, d) = LADDER[step];
                json!({
                    "bookmaker": b, "fractional": format!("{n}/{d}"),
                    "decimal": decimal_text(ladder_decimal(step)),
                    "ew_places": if race.runners.len() >= 8 { "3" } else { "2" },
                    "ew_denom": if race.runners.len() >= 8 { "5" } else { "4" },
                    "updated": updated, "history": [],
                })
            })
            .collect();
        let runs = rng.range(0, 20);
        let wins = rng.range(0, runs.min(6));
        // split in parts: one `json!` this size exceeds the macro recursion limit
        let identity = json!({
            "horse_id": h.id, "horse": h.name, "dob": ymd(h.dob), "age": r.age.to_string(),
            "sex": h.sex, "sex_code": h.sex_code, "colour": h.colour, "region": h.region,
            "breeder": h.breeder,
            "dam": dam.name, "dam_id": dam.id, "dam_region": dam.region,
            "sire": sire.name, "sire_id": sire.id, "sire_region": sire.region,
            "damsire": damsire.name, "damsire_id": damsire.id, "damsire_region": damsire.region,
        });
        let connections = json!({
            "trainer": trainer, "trainer_id": trainer_id, "trainer_location": location,
            "trainer_14_days": {
                "runs": runs.to_string(), "wins": wins.to_string(),
                "percent": (wins * 100).checked_div(runs).unwrap_or(0).to_string(),
            },
            "owner": owner, "owner_id": owner_id,
            "prev_trainers": [], "prev_owners": [],
            "jockey": jockey, "jockey_id": jockey_id,
        });
        let card = json!({
            "comment": "Ran respectably last time and is entitled to improve",
            "spotlight": format!("{} has a fair chance on the pick of the form.", h.name),
            "quotes": [], "stable_tour": [],
            "medical": if rng.chance(0.05) { json!([{"date": ymd(race.date - Duration::days(90)), "type": "Wind Surgery"}]) } else { json!([]) },
            "number": r.number.to_string(), "draw": r.draw.to_string(),
            "headgear": r.headgear, "headgear_run": "",
            "wind_surgery": "", "wind_surgery_run": "",
            "past_results_flags": if rng.chance(0.1) { json!(["D"]) } else { json!([]) },
            "lbs": r.lbs.to_string(), "ofr": r.ofr, "rpr": r.rpr, "ts": r.ts,
            "silk_url": format!("https://www.rp-assets.com/svg/{}.svg", h.owner),
            "last_run": rng.range(7, 200).to_string(),
            "form": (0..rng.range(0, 5)).map(|_| rng.pick(&["1", "2", "3", "4", "5", "6", "7", "P", "F", "-"]).to_string()).collect::<String>(),
            "trainer_rtf": rng.range(0, 60).to_string(),
        });
        let mut v = merge(vec![identity, connections, card]);
        v["odds"] = Value::Array(odds);
        v
    }

    fn result_json(&self, race: &RacePlan) -> Value {
        let number: u64 = race.race_id.trim_start_matches("rac_").parse().unwrap_or(0);
        let mut rng = Rng::keyed(&[self.seed, T_RESULT, number]);
        let running: Vec<&RunnerPlan> = race.runners.iter().filter(|r| !r.non_runner).collect();
        // finishing order: stronger horses tend to finish ahead
        let mut keyed: Vec<(f64, &RunnerPlan)> = running
            .iter()
            .map(|r| (r.strength * (0.5 + rng.next_f64()), *r))
            .collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
        let codes: &[&str] = match race.race_type {
            "Hurdle" | "Chase" => &["PU", "F", "UR", "BD"],
            "NH Flat" => &["PU"],
            _ => &[],
        };
        let mut finishers = Vec::new();
        let mut fallers = Vec::new();
        for (_, r) in keyed {
            if !codes.is_empty() && finishers.len() > 1 && rng.chance(0.12) {
                fallers.push((r, rng.pick(codes).to_string()));
            } else {
                finishers.push(r);
            }
        }
        let fav = race
            .runners
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.non_runner)
            .min_by(|a, b| race.odds[a.0].total_cmp(&race.odds[b.0]))
            .map(|(i, _)| i);
        let speed = if race.race_type == "Flat" { 16.5 } else { 14.5 };
        let win_secs = race.yards as f64 / speed + rng.next_f64() * 4.0;
        let prize_shares = [0.6, 0.2, 0.1, 0.05];
        let mut ovr = 0.0_f64;
        let mut runners = Vec::new();
        for (pos, r) in finishers.iter().enumerate() {
            let btn = if pos == 0 {
                0.0
            } else {
                *rng.pick(&[0.05, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0])
            };
            ovr += btn;
            let prize = prize_shares
                .get(pos)
                .map(|s| format!("{:.2}", race.prize as f64 * s))
                .unwrap_or_default();
            let time = win_secs + ovr * 0.2;
            runners.push(self.result_runner(
                race,
                r,
                fav,
                &(pos + 1).to_string(),
                &lengths(btn),
                &lengths(ovr),
                &clock(time),
                &prize,
            ));
        }
        for (r, code) in &fallers {
            runners.push(self.result_runner(race, r, fav, code, "", "", "-", ""));
        }
        let non_runners: Vec<String> = race
            .runners
            .iter()
            .filter(|r| r.non_runner)
            .map(|r| {
                format!(
                    "{} ({})",
                    r.horse.name,
                    rng.pick(&[
                        "unsuitable ground",
                        "self certificate",
                        "vet's certificate",
                        "travel problems"
                    ])
                )
            })
            .collect();
        let standard = race.yards as f64 / (speed + 0.4);
        let off = race.off_dt();
        // big arrays are moved in afterwards: `json!` would deep-copy them through the serializer
        let mut v = json!({
            "race_id": race.race_id, "date": ymd(race.date), "region": race.region,
            "course": race.course.name, "course_id": race.course.id,
            "off": off.1, "off_dt": off.0,
            "race_name": race.name, "type": race.race_type,
            "class": class_text(race), "pattern": pattern(race), "rating_band": rating_band(race),
            "age_band": if race.race_type == "Flat" { "3yo+" } else { "4yo+" }, "sex_rest": "",
            "dist": distance_text(race.yards, false),
            "dist_y": race.yards.to_string(),
            "dist_m": ((race.yards as f64) * 0.9144).round().to_string(),
            "dist_f": furlongs_text(race.yards),
            "going": race.going, "surface": race.course.surface(), "jumps": jumps_text(race),
            "winning_time_detail": format!("{} ({} by {:.2}s)", long_clock(win_secs), if win_secs > standard { "slow" } else { "fast" }, (win_secs - standard).abs()),
            "comments": "",
            "non_runners": non_runners.join(", "),
            "tote_win": format!("£{:.2}", 1.0 + rng.next_f64() * 20.0),
            "tote_pl": format!("£{:.2} £{:.2}", 1.0 + rng.next_f64() * 5.0, 1.0 + rng.next_f64() * 5.0),
            "tote_ex": format!("£{:.2}", 5.0 + rng.next_f64() * 100.0),
            "tote_csf": format!("£{:.2}", 5.0 + rng.next_f64() * 100.0),
            "tote_tricast": if running.len() >= 8 { format!("£{:.2}", 20.0 + rng.next_f64() * 500.0) } else { String::new() },
            "tote_trifecta": format!("£{:.2}", 10.0 + rng.next_f64() * 800.0),
        });
        v["runners"] = Value::Array(runners);
        v
    }

    #[allow(clippy::too_many_arguments)]
    fn result_runner(
        &self,
        race: &RacePlan,
        r: &RunnerPlan,
        fav: Option<usize>,
        position: &str,
        btn: &str,
        ovr_btn: &str,
        time: &str,
        prize: &str,
    ) -> Value {
        let idx = (r.number - 1) as usize;
        let price = race.odds[idx];
        let frac = fractional(price);
        let sp = if fav == Some(idx) {
            format!("{frac}F")
        } else {
            frac.clone()
        };
        let (jockey_id, jockey) = self.jockey(r.jockey);
        let (trainer_id, trainer, _) = self.trainer(r.horse.trainer);
        let (owner_id, owner) = self.owner(r.horse.owner);
        let (sire, dam, damsire) = (
            self.sire(r.horse.sire),
            self.dam(r.horse.dam),
            self.damsire(r.horse.damsire),
        );
        // results mark a missing rating with the en dash, as the racecards' `ts` does
        let or = if r.ofr.parse::<i32>().is_ok() {
            r.ofr.clone()
        } else {
            "–".to_string()
        };
        json!({
            "horse_id": r.horse.id, "horse": r.horse.name,
            "sp": sp, "sp_dec": format!("{:.2}", price),
            "number": r.number.to_string(), "position": position,
            "draw": r.draw.to_string(), "btn": btn, "ovr_btn": ovr_btn,
            "age": r.age.to_string(), "sex": r.horse.sex_code,
            "weight": format!("{}-{}", r.lbs / 14, r.lbs % 14), "weight_lbs": r.lbs.to_string(),
            "headgear": r.headgear, "time": time,
            "or": or, "rpr": if position.parse::<u32>().is_ok() { r.rpr.clone() } else { "-".into() },
            "tsr": if position.parse::<u32>().is_ok() { r.ts.clone() } else { "-".into() },
            "prize": prize,
            "jockey": jockey, "jockey_claim_lbs": r.claim.to_string(), "jockey_id": jockey_id,
            "trainer": trainer, "trainer_id": trainer_id,
            "owner": owner, "owner_id": owner_id,
            "sire": sire.name, "sire_id": sire.id,
            "dam": dam.name, "dam_id": dam.id,
            "damsire": damsire.name, "damsire_id": damsire.id,
            "comment": if position == "1" { "Held up - headway 2f out - led inside final furlong - kept on well" } else { "Prominent - weakened final furlong" },
            "silk_url": format!("https://www.rp-assets.com/svg/{}.svg", r.horse.owner),
        })
    }
}

#[derive(Debug, Clone)]
struct Course {
    id: String,
    name: String,
    region_code: String,
    region_name: String,
    all_weather: bool,
}

impl Course {
    fn surface(&self) -> &'static str {
        if self.all_weather {
            "AW"
        } else {
            "Turf"
        }
    }
}

#[derive(Debug, Clone)]
struct Horse {
    id: String,
    name: String,
    dob: NaiveDate,
    sex: &'static str,
    sex_code: &'static str,
    colour: String,
    region: &'static str,
    breeder: String,
    sire: u64,
    dam: u64,
    damsire: u64,
    trainer: u64,
    owner: u64,
    usual_jockey: u64,
}

#[derive(Debug, Clone)]
struct Parent {
    id: String,
    name: String,
    region: &'static str,
}

#[derive(Debug, Clone)]
struct RunnerPlan {
    horse: Horse,
    age: i32,
    jockey: u64,
    number: u64,
    draw: u64,
    lbs: u64,
    ofr: String,
    rpr: String,
    ts: String,
    strength: f64,
    headgear: String,
    claim: u64,
    non_runner: bool,
}

#[derive(Debug, Clone)]
struct RacePlan {
    race_id: String,
    date: NaiveDate,
    region: String,
    course: Course,
    off_minutes: u32,
    race_type: &'static str,
    class: u64,
    furlongs: u64,
    yards: u64,
    going: String,
    prize: u64,
    big_race: bool,
    abandoned: bool,
    name: String,
    /// Decimal price per runner (by index).
    odds: Vec<f64>,
    runners: Vec<RunnerPlan>,
}

impl RacePlan {
    /// `(off_dt, 12-hour off_time)`: the API's two renderings of the same start.
    fn off_dt(&self) -> (String, String) {
        let t = NaiveTime::from_hms_opt(self.off_minutes / 60 % 24, self.off_minutes % 60, 0)
            .expect("valid time");
        let offset = utc_offset(self.date, &self.region);
        let hour12 = match t.format("%I").to_string().trim_start_matches('0') {
            "" => "12".to_string(),
            h => h.to_string(),
        };
        (
            format!("{}T{}{}", ymd(self.date), t.format("%H:%M:%S"), offset),
            format!("{hour12}:{}", t.format("%M")),
        )
    }
}

fn rating(rng: &mut Rng, lo: u64, hi: u64, missing: &str) -> String {
    if rng.chance(0.2) {
        missing.to_string()
    } else {
        rng.range(lo, hi).to_string()
    }
}

/// Decimal prices with an overround, from each runner's strength.
fn prices(runners: &[RunnerPlan]) -> Vec<f64> {
    let total: f64 = runners.iter().map(|r| r.strength * r.strength).sum();
    runners
        .iter()
        .map(|r| {
            let p = (r.strength * r.strength / total * 1.15).clamp(0.008, 0.9);
            snap_price(1.0 / p)
        })
        .collect()
}

/// The fractional ladder bookmakers use; prices snap to it.
#[rustfmt::skip]
const LADDER: &[(u32, u32)] = &[
    (1, 5), (2, 9), (1, 4), (2, 7), (1, 3), (4, 11), (2, 5), (4, 9), (1, 2), (8, 15), (4, 7), (8, 13), (4, 6), (8, 11),
    (4, 5), (5, 6), (10, 11), (1, 1), (11, 10), (6, 5), (5, 4), (11, 8), (6, 4), (13, 8), (7, 4), (15, 8), (2, 1),
    (9, 4), (5, 2), (11, 4), (3, 1), (10, 3), (7, 2), (4, 1), (9, 2), (5, 1), (11, 2), (6, 1), (13, 2), (7, 1),
    (15, 2), (8, 1), (9, 1), (10, 1), (11, 1), (12, 1), (14, 1), (16, 1), (18, 1), (20, 1), (22, 1), (25, 1),
    (28, 1), (33, 1), (40, 1), (50, 1), (66, 1), (80, 1), (100, 1), (125, 1),
];

fn ladder_decimal(i: usize) -> f64 {
    let (n, d) = LADDER[i];
    1.0 + f64::from(n) / f64::from(d)
}

fn ladder_index(decimal: f64) -> usize {
    (0..LADDER.len())
        .min_by(|&a, &b| {
            (ladder_decimal(a) - decimal)
                .abs()
                .total_cmp(&(ladder_decimal(b) - decimal).abs())
        })
        .unwrap_or(0)
}

fn snap_price(decimal: f64) -> f64 {
    ladder_decimal(ladder_index(decimal))
}

fn fractional(decimal: f64) -> String {
    let (n, d) = LADDER[ladder_index(decimal)];
    format!("{n}/{d}")
}

/// A decimal price as the odds feed writes it: `23`, `3.25`, `2.62`.
fn decimal_text(decimal: f64) -> String {
    let s = format!("{decimal:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Odds-feed bookmaker names, spelled as the feed spells them (not as the reference list does).
const FEED_BOOKMAKERS: &[&str] = &[
    "Bet365",
    "William Hill",
    "Boyle Sports",
    "Bet Victor",
    "10 Bet",
    "BetMGM",
    "Paddy Power",
    "Ladbrokes",
    "Coral",
    "Betfred",
    "Sky Bet",
    "Unibet",
];

fn effective_regions(regions: &[String]) -> Vec<String> {
    let mut out: Vec<String> = regions
        .iter()
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty())
        .collect();
    out.dedup();
    if out.is_empty() {
        out = vec!["gb".into(), "ire".into()];
    }
    out
}

/// Days since 1900-01-01: small, positive for any date the API could serve.
fn day_number(date: NaiveDate) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");
    (date - epoch).num_days().max(0) as u64
}

/// Race numbers are unique per (date, region slot, meeting, race); slots 0..99.
fn race_number(date: NaiveDate, region: &str, meeting: u64, race: u64) -> u64 {
    const KNOWN: &[&str] = &[
        "gb", "ire", "fr", "usa", "aus", "uae", "can", "nz", "saf", "hk", "jpn",
    ];
    let slot = KNOWN
        .iter()
        .position(|k| *k == region)
        .map(|p| p as u64)
        .unwrap_or(KNOWN.len() as u64 + hash_str(region) % (100 - KNOWN.len() as u64));
    day_number(date) * 10_000 + slot * 100 + meeting * 10 + race
}

/// British and Irish clocks: +01:00 from the last Sunday of March to the last Sunday of October.
fn utc_offset(date: NaiveDate, region: &str) -> &'static str {
    if !matches!(region, "GB" | "IRE") {
        return "+00:00";
    }
    let last_sunday = |month: u32| {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(date.year(), month + 1, 1)
        }
        .expect("valid date");
        let mut d = next - Duration::days(1);
        while d.weekday() != Weekday::Sun {
            d -= Duration::days(1);
        }
        d
    };
    if date >= last_sunday(3) && date < last_sunday(10) {
        "+01:00"
    } else {
        "+00:00"
    }
}

fn region_courses(region: &str) -> Vec<Course> {
    let (names, base, region_name): (&[(&str, bool)], u64, String) = match region {
        "gb" => (
            &[
                ("Aintree", false),
                ("Ascot", false),
                ("Cheltenham", false),
                ("Doncaster", false),
                ("Hereford", false),
                ("Kempton (AW)", true),
                ("Newbury", false),
                ("Newmarket", false),
                ("Sandown", false),
                ("Southwell (AW)", true),
                ("Uttoxeter", false),
                ("Wolverhampton (AW)", true),
                ("York", false),
            ],
            800,
            "Great Britain".into(),
        ),
        "ire" => (
            &[
                ("Curragh", false),
                ("Dundalk (AW)", true),
                ("Fairyhouse", false),
                ("Galway", false),
                ("Leopardstown", false),
                ("Naas", false),
                ("Punchestown", false),
            ],
            1_900,
            "Ireland".into(),
        ),
        other => (
            &[
                ("Park", false),
                ("Downs", false),
                ("Racecourse", false),
                ("Polytrack (AW)", true),
            ],
            5_000 + (hash_str(other) % 1_000) * 10,
            other.to_uppercase(),
        ),
    };
    names
        .iter()
        .enumerate()
        .map(|(i, (name, aw))| Course {
            id: format!("crs_{}", base + i as u64),
            name: if matches!(region, "gb" | "ire") {
                name.to_string()
            } else {
                format!("{} {name}", region.to_uppercase())
            },
            region_code: region.to_string(),
            region_name: region_name.clone(),
            all_weather: *aw,
        })
        .collect()
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        items.swap(i, j);
    }
}

fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

const WORDS_A: &[&str] = &[
    "border", "silver", "golden", "midnight", "northern", "royal", "lucky", "wild", "highland",
    "river", "storm", "summer", "iron", "velvet", "copper", "crimson", "distant", "gentle",
    "hidden", "quiet",
];
const WORDS_B: &[&str] = &[
    "gem", "arrow", "legend", "dancer", "spirit", "falcon", "harbour", "melody", "warrior",
    "comet", "rose", "echo", "knight", "whisper", "thunder", "lady", "prince", "glory", "secret",
    "voyage",
];
const FIRST: &[&str] = &[
    "Lorcan", "Kielan", "Mark", "Kieran", "Jeremy", "David", "Sean", "Rachael", "Hollie", "Paddy",
    "Tom", "Harry", "Bryony", "Oisin", "Jamie", "Saffie", "William", "Emma", "Rossa", "Ciaran",
];
const LAST: &[&str] = &[
    "Williams",
    "Woods",
    "Winn",
    "O'Neill",
    "Scott",
    "Dixon",
    "Fell",
    "Murphy",
    "Doyle",
    "Moore",
    "Buick",
    "Blackmore",
    "Townend",
    "Kennedy",
    "Skelton",
    "Mullins",
    "Elliott",
    "Hobbs",
    "Nicholls",
    "King",
];
const PLACES: &[&str] = &[
    "Lambourn",
    "Malton",
    "Newmarket",
    "Middleham",
    "Epsom",
    "Brompton Regis",
    "Ditcheat",
];
const COUNTIES: &[&str] = &[
    "Berks", "N Yorks", "Suffolk", "Surrey", "Somerset", "Gloucs", "Co Meath",
];

fn title(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn horse_name(rng: &mut Rng) -> String {
    format!(
        "{} {}",
        title(rng.pick::<&str>(WORDS_A)),
        title(rng.pick::<&str>(WORDS_B))
    )
}

fn person_name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST), rng.pick(LAST))
}

fn race_name(rng: &mut Rng, race_type: &str, class: u64) -> String {
    let sponsor = rng.pick(&[
        "BetWright",
        "Sky Bet",
        "Racing TV",
        "Coral",
        "At The Races",
        "Watch Racing Free",
    ]);
    let kind = match race_type {
        "Hurdle" => *rng.pick(&["Novices' Hurdle", "Handicap Hurdle", "Maiden Hurdle"]),
        "Chase" => *rng.pick(&["Handicap Chase", "Novices' Chase"]),
        "NH Flat" => "Standard Open National Hunt Flat Race",
        _ if class <= 2 => *rng.pick(&["Stakes", "Conditions Stakes"]),
        _ => *rng.pick(&[
            "Handicap",
            "Maiden Stakes",
            "Novice Stakes",
            "Nursery Handicap",
        ]),
    };
    format!("{sponsor} {kind}")
}

fn class_text(race: &RacePlan) -> String {
    if race.region == "GB" {
        format!("Class {}", race.class)
    } else {
        String::new()
    }
}

fn pattern(race: &RacePlan) -> &'static str {
    match (race.class, race.big_race) {
        (1, true) => "Group 3",
        (1, false) => "Listed",
        _ => "",
    }
}

fn rating_band(race: &RacePlan) -> String {
    if race.class >= 4 && race.name.contains("Handicap") {
        format!("0-{}", 100 - 10 * race.class)
    } else {
        String::new()
    }
}

fn jumps_text(race: &RacePlan) -> String {
    let count = race.furlongs / 2;
    match race.race_type {
        "Hurdle" => format!("{count} hurdles"),
        "Chase" => format!("{count} fences"),
        _ => String::new(),
    }
}

/// `2m53y`-style display distance; `round` drops the yards (`distance_round`).
fn distance_text(yards: u64, round: bool) -> String {
    let furlongs = yards / 220;
    let extra = if round { 0 } else { yards % 220 };
    let (m, f) = (furlongs / 8, furlongs % 8);
    let mut s = String::new();
    if m > 0 {
        s.push_str(&format!("{m}m"));
    }
    if f > 0 {
        s.push_str(&format!("{f}f"));
    }
    if extra > 0 {
        s.push_str(&format!("{extra}y"));
    }
    s
}

/// Results' `dist_f`: whole or half furlongs with an `f` (`8f`, `8.5f`).
fn furlongs_text(yards: u64) -> String {
    let halves = (yards as f64 / 110.0).round() as u64;
    if halves.is_multiple_of(2) {
        format!("{}f", halves / 2)
    } else {
        format!("{}.5f", halves / 2)
    }
}

/// Lengths as the API writes them: `0`, `.5`, `1.5`, `12`.
fn lengths(l: f64) -> String {
    let s = format!("{l:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.strip_prefix("0.")
        .map(|f| format!(".{f}"))
        .unwrap_or_else(|| s.to_string())
}

/// `1:43.25`.
fn clock(secs: f64) -> String {
    let m = (secs / 60.0).floor();
    format!("{}:{:05.2}", m as u64, secs - m * 60.0)
}

/// `1m 43.25s`.
fn long_clock(secs: f64) -> String {
    let m = (secs / 60.0).floor();
    format!("{}m {:.2}s", m as u64, secs - m * 60.0)
}

/// Joins JSON objects (later keys win); lets large objects be built from several `json!` calls.
fn merge(parts: Vec<Value>) -> Value {
    let mut out = serde_json::Map::new();
    for part in parts {
        if let Value::Object(map) = part {
            out.extend(map);
        }
    }
    Value::Object(out)
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
