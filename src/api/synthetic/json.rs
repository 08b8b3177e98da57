//! Racecards and results as the API writes them: every scalar a string, its markers for no value,
//! and the fields of each runner.

use super::text::{
    class_text, clock, decimal_text, distance_text, fractional, furlongs_text, jumps_text,
    ladder_decimal, ladder_index, lengths, long_clock, pattern, rating_band, FEED_BOOKMAKERS,
    LADDER,
};
use super::world::{shuffle, ymd, RacePlan, RunnerPlan};
use super::{Synthetic, T_RACECARD, T_RESULT};
use crate::api::rng::Rng;
use chrono::Duration;
use serde_json::{json, Value};

impl Synthetic {
    pub(super) fn racecard_json(&self, race: &RacePlan) -> Value {
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

    pub(super) fn racecard_runner(
        &self,
        race: &RacePlan,
        i: usize,
        r: &RunnerPlan,
        rng: &mut Rng,
    ) -> Value {
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

    pub(super) fn result_json(&self, race: &RacePlan) -> Value {
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
    pub(super) fn result_runner(
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

/// Joins JSON objects (later keys win); lets large objects be built from several `json!` calls.
pub(super) fn merge(parts: Vec<Value>) -> Value {
    let mut out = serde_json::Map::new();
    for part in parts {
        if let Value::Object(map) = part {
            out.extend(map);
        }
    }
    Value::Object(out)
}
