//! The API's spellings: prices on the bookmakers' ladder, horse, person and race names, classes,
//! distances, lengths and times.

use super::world::{RacePlan, RunnerPlan};
use crate::api::rng::Rng;

/// Decimal prices with an overround, from each runner's strength.
pub(super) fn prices(runners: &[RunnerPlan]) -> Vec<f64> {
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
pub(super) const LADDER: &[(u32, u32)] = &[
    (1, 5), (2, 9), (1, 4), (2, 7), (1, 3), (4, 11), (2, 5), (4, 9), (1, 2), (8, 15), (4, 7), (8, 13), (4, 6), (8, 11),
    (4, 5), (5, 6), (10, 11), (1, 1), (11, 10), (6, 5), (5, 4), (11, 8), (6, 4), (13, 8), (7, 4), (15, 8), (2, 1),
    (9, 4), (5, 2), (11, 4), (3, 1), (10, 3), (7, 2), (4, 1), (9, 2), (5, 1), (11, 2), (6, 1), (13, 2), (7, 1),
    (15, 2), (8, 1), (9, 1), (10, 1), (11, 1), (12, 1), (14, 1), (16, 1), (18, 1), (20, 1), (22, 1), (25, 1),
    (28, 1), (33, 1), (40, 1), (50, 1), (66, 1), (80, 1), (100, 1), (125, 1),
];

pub(super) fn ladder_decimal(i: usize) -> f64 {
    let (n, d) = LADDER[i];
    1.0 + f64::from(n) / f64::from(d)
}

pub(super) fn ladder_index(decimal: f64) -> usize {
    (0..LADDER.len())
        .min_by(|&a, &b| {
            (ladder_decimal(a) - decimal)
                .abs()
                .total_cmp(&(ladder_decimal(b) - decimal).abs())
        })
        .unwrap_or(0)
}

pub(super) fn snap_price(decimal: f64) -> f64 {
    ladder_decimal(ladder_index(decimal))
}

pub(super) fn fractional(decimal: f64) -> String {
    let (n, d) = LADDER[ladder_index(decimal)];
    format!("{n}/{d}")
}

/// A decimal price as the odds feed writes it: `23`, `3.25`, `2.62`.
pub(super) fn decimal_text(decimal: f64) -> String {
    let s = format!("{decimal:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Odds-feed bookmaker names, spelled as the feed spells them (not as the reference list does).
pub(super) const FEED_BOOKMAKERS: &[&str] = &[
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

pub(super) const WORDS_A: &[&str] = &[
    "border", "silver", "golden", "midnight", "northern", "royal", "lucky", "wild", "highland",
    "river", "storm", "summer", "iron", "velvet", "copper", "crimson", "distant", "gentle",
    "hidden", "quiet",
];
pub(super) const WORDS_B: &[&str] = &[
    "gem", "arrow", "legend", "dancer", "spirit", "falcon", "harbour", "melody", "warrior",
    "comet", "rose", "echo", "knight", "whisper", "thunder", "lady", "prince", "glory", "secret",
    "voyage",
];
pub(super) const FIRST: &[&str] = &[
    "Lorcan", "Kielan", "Mark", "Kieran", "Jeremy", "David", "Sean", "Rachael", "Hollie", "Paddy",
    "Tom", "Harry", "Bryony", "Oisin", "Jamie", "Saffie", "William", "Emma", "Rossa", "Ciaran",
];
pub(super) const LAST: &[&str] = &[
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
pub(super) const PLACES: &[&str] = &[
    "Lambourn",
    "Malton",
    "Newmarket",
    "Middleham",
    "Epsom",
    "Brompton Regis",
    "Ditcheat",
];
pub(super) const COUNTIES: &[&str] = &[
    "Berks", "N Yorks", "Suffolk", "Surrey", "Somerset", "Gloucs", "Co Meath",
];

pub(super) fn title(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(super) fn horse_name(rng: &mut Rng) -> String {
    format!(
        "{} {}",
        title(rng.pick::<&str>(WORDS_A)),
        title(rng.pick::<&str>(WORDS_B))
    )
}

pub(super) fn person_name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST), rng.pick(LAST))
}

pub(super) fn race_name(rng: &mut Rng, race_type: &str, class: u64) -> String {
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

pub(super) fn class_text(race: &RacePlan) -> String {
    if race.region == "GB" {
        format!("Class {}", race.class)
    } else {
        String::new()
    }
}

pub(super) fn pattern(race: &RacePlan) -> &'static str {
    match (race.class, race.big_race) {
        (1, true) => "Group 3",
        (1, false) => "Listed",
        _ => "",
    }
}

pub(super) fn rating_band(race: &RacePlan) -> String {
    if race.class >= 4 && race.name.contains("Handicap") {
        format!("0-{}", 100 - 10 * race.class)
    } else {
        String::new()
    }
}

pub(super) fn jumps_text(race: &RacePlan) -> String {
    let count = race.furlongs / 2;
    match race.race_type {
        "Hurdle" => format!("{count} hurdles"),
        "Chase" => format!("{count} fences"),
        _ => String::new(),
    }
}

/// `2m53y`-style display distance; `round` drops the yards (`distance_round`).
pub(super) fn distance_text(yards: u64, round: bool) -> String {
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
pub(super) fn furlongs_text(yards: u64) -> String {
    let halves = (yards as f64 / 110.0).round() as u64;
    if halves.is_multiple_of(2) {
        format!("{}f", halves / 2)
    } else {
        format!("{}.5f", halves / 2)
    }
}

/// Lengths as the API writes them: `0`, `.5`, `1.5`, `12`.
pub(super) fn lengths(l: f64) -> String {
    let s = format!("{l:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.strip_prefix("0.")
        .map(|f| format!(".{f}"))
        .unwrap_or_else(|| s.to_string())
}

/// `1:43.25`.
pub(super) fn clock(secs: f64) -> String {
    let m = (secs / 60.0).floor();
    format!("{}:{:05.2}", m as u64, secs - m * 60.0)
}

/// `1m 43.25s`.
pub(super) fn long_clock(secs: f64) -> String {
    let m = (secs / 60.0).floor();
    format!("{}m {:.2}s", m as u64, secs - m * 60.0)
}
