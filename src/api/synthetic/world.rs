//! The synthetic world: pools of horses and people fixed by the seed, the courses of each region,
//! and the races of a date with their runners.

use super::text::{horse_name, person_name, prices, race_name, title, COUNTIES, PLACES, WORDS_A};
use super::{
    Synthetic, COHORT, COHORTS, DAMS, DAMSIRES, DAMSIRE_BASE, DAM_BASE, FIRST_COHORT, HORSE_BASE,
    JOCKEYS, JOCKEY_BASE, OWNERS, OWNER_BASE, SIRES, SIRE_BASE, TRAINERS, TRAINER_BASE, T_DAM,
    T_DAMSIRE, T_DAY, T_HORSE, T_JOCKEY, T_OWNER, T_RACE, T_SIRE, T_TRAINER,
};
use crate::api::rng::{hash_str, Rng};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

impl Synthetic {
    /// The races of one date and region, with their runners; the single source of both
    /// racecards and results.
    pub(super) fn day(&self, date: NaiveDate, region: &str) -> Vec<RacePlan> {
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

    pub(super) fn race(
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

    pub(super) fn horse(&self, k: u64) -> Horse {
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

    pub(super) fn parent(&self, tag: u64, base: u64, prefix: &str, k: u64) -> Parent {
        let mut rng = Rng::keyed(&[self.seed, tag, k]);
        let region = *rng.pick(&["GB", "IRE", "IRE", "FR", "USA"]);
        Parent {
            id: format!("{prefix}{}", base + k),
            name: format!("{} ({region})", horse_name(&mut rng)),
            region,
        }
    }

    pub(super) fn sire(&self, k: u64) -> Parent {
        self.parent(T_SIRE, SIRE_BASE, "sir_", k)
    }

    pub(super) fn dam(&self, k: u64) -> Parent {
        self.parent(T_DAM, DAM_BASE, "dam_", k)
    }

    pub(super) fn damsire(&self, k: u64) -> Parent {
        self.parent(T_DAMSIRE, DAMSIRE_BASE, "dsi_", k)
    }

    pub(super) fn jockey(&self, k: u64) -> (String, String) {
        let mut rng = Rng::keyed(&[self.seed, T_JOCKEY, k]);
        (format!("jky_{}", JOCKEY_BASE + k), person_name(&mut rng))
    }

    pub(super) fn trainer(&self, k: u64) -> (String, String, String) {
        let mut rng = Rng::keyed(&[self.seed, T_TRAINER, k]);
        let location = format!("{}, {}", rng.pick(PLACES), rng.pick(COUNTIES));
        (
            format!("trn_{}", TRAINER_BASE + k),
            person_name(&mut rng),
            location,
        )
    }

    pub(super) fn owner(&self, k: u64) -> (String, String) {
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
}

#[derive(Debug, Clone)]
pub(super) struct Course {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) region_code: String,
    pub(super) region_name: String,
    pub(super) all_weather: bool,
}

impl Course {
    pub(super) fn surface(&self) -> &'static str {
        if self.all_weather {
            "AW"
        } else {
            "Turf"
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Horse {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) dob: NaiveDate,
    pub(super) sex: &'static str,
    pub(super) sex_code: &'static str,
    pub(super) colour: String,
    pub(super) region: &'static str,
    pub(super) breeder: String,
    pub(super) sire: u64,
    pub(super) dam: u64,
    pub(super) damsire: u64,
    pub(super) trainer: u64,
    pub(super) owner: u64,
    pub(super) usual_jockey: u64,
}

#[derive(Debug, Clone)]
pub(super) struct Parent {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) region: &'static str,
}

#[derive(Debug, Clone)]
pub(super) struct RunnerPlan {
    pub(super) horse: Horse,
    pub(super) age: i32,
    pub(super) jockey: u64,
    pub(super) number: u64,
    pub(super) draw: u64,
    pub(super) lbs: u64,
    pub(super) ofr: String,
    pub(super) rpr: String,
    pub(super) ts: String,
    pub(super) strength: f64,
    pub(super) headgear: String,
    pub(super) claim: u64,
    pub(super) non_runner: bool,
}

#[derive(Debug, Clone)]
pub(super) struct RacePlan {
    pub(super) race_id: String,
    pub(super) date: NaiveDate,
    pub(super) region: String,
    pub(super) course: Course,
    pub(super) off_minutes: u32,
    pub(super) race_type: &'static str,
    pub(super) class: u64,
    pub(super) furlongs: u64,
    pub(super) yards: u64,
    pub(super) going: String,
    pub(super) prize: u64,
    pub(super) big_race: bool,
    pub(super) abandoned: bool,
    pub(super) name: String,
    /// Decimal price per runner (by index).
    pub(super) odds: Vec<f64>,
    pub(super) runners: Vec<RunnerPlan>,
}

impl RacePlan {
    /// `(off_dt, 12-hour off_time)`: the API's two renderings of the same start.
    pub(super) fn off_dt(&self) -> (String, String) {
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

pub(super) fn rating(rng: &mut Rng, lo: u64, hi: u64, missing: &str) -> String {
    if rng.chance(0.2) {
        missing.to_string()
    } else {
        rng.range(lo, hi).to_string()
    }
}

pub(super) fn effective_regions(regions: &[String]) -> Vec<String> {
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
pub(super) fn day_number(date: NaiveDate) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");
    (date - epoch).num_days().max(0) as u64
}

/// Race numbers are unique per (date, region slot, meeting, race); slots 0..99.
pub(super) fn race_number(date: NaiveDate, region: &str, meeting: u64, race: u64) -> u64 {
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
pub(super) fn utc_offset(date: NaiveDate, region: &str) -> &'static str {
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

pub(super) fn region_courses(region: &str) -> Vec<Course> {
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

pub(super) fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        items.swap(i, j);
    }
}

pub(super) fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}
