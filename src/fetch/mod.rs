//! The built-in fetchers: the phase-aware write path of the migration.
//!
//! - [`reference`], [`races`], [`entities`]: the three fetchers (what to ask the source for);
//! - [`batches`]: what one transaction writes, in dependency order;
//! - [`ingest`]: the transaction per batch, its targets read under the phase lock;
//! - [`ahead`]: the next race days gathered and checked on a second thread while one is written;
//! - [`tx`], [`step`], [`fields`], [`shape`], [`check`], [`statements`]: turning records into
//!   checked, set-based statements against the live catalog;
//! - [`route`]: which physical tables a phase writes and reads;
//! - [`shadow`]: what this run already wrote, so unchanged rows are not sent again;
//! - [`quarantine`], [`summary`], [`progress`], [`source`]: what could not be used, what was done.
//!
//! Library code returns data; only [`run`] and [`quarantine::list`] print.

pub mod ahead;
pub mod batches;
pub mod check;
pub mod entities;
pub mod fields;
pub mod ingest;
pub mod progress;
pub mod quarantine;
pub mod races;
pub mod reference;
pub mod route;
pub mod shadow;
pub mod shape;
pub mod source;
pub mod statements;
pub mod step;
pub mod summary;
pub mod tx;

use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use serde::Serialize;

use crate::api::Endpoint;
use crate::cli::{DateRange, FetchArgs, FetchWhat};
use crate::schema::mapping::Mapping;

use ingest::Ingest;
use progress::{Progress, Tick};
use source::Metered;
use summary::Summary;

/// What the fetchers received.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub dates: u64,
    pub races: u64,
    pub runners: u64,
    pub odds: u64,
    pub profiles: u64,
    pub absent_profiles: u64,
    /// Present but unreadable values stored as no value.
    pub warnings: u64,
}

/// One fetch run: where data comes from, where it goes, and what has been done.
pub struct Fetch<'a, 'c> {
    pub source: &'a dyn Metered,
    pub ingest: Ingest<'c>,
    /// Lower-case region codes.
    pub regions: Vec<String>,
    pub progress: &'a mut dyn Progress,
    pub tally: Tally,
}

impl Fetch<'_, '_> {
    fn tick(&mut self, label: &str) {
        let tick = Tick {
            label,
            meter: self.source.meter(),
            tally: &self.tally,
            quarantined: self.ingest.totals().quarantined,
        };
        self.progress.step(&tick);
    }

    /// Marks requests that never went to the API.
    fn request_prefix(&self) -> &'static str {
        if self.source.label() == "api" {
            ""
        } else {
            "synthetic "
        }
    }

    /// Runs `what`. What was written before an error stays committed and is in [`Fetch::summary`].
    pub fn execute(&mut self, what: &FetchWhat) -> Result<()> {
        match what {
            FetchWhat::Reference => reference::fetch(self),
            FetchWhat::Entities {
                limit,
                recheck_absent_days,
            } => entities::enrich(self, *limit, *recheck_absent_days),
            FetchWhat::Racecards(range) => races::fetch(self, Endpoint::Racecards, &dates(range)?),
            FetchWhat::Results(range) => races::fetch(self, Endpoint::Results, &dates(range)?),
        }
    }

    pub fn summary(&self, command: String, started: Instant) -> Summary {
        Summary::new(
            command,
            self.source.label(),
            self.ingest.totals(),
            self.source.meter(),
            &self.tally,
            started.elapsed().as_secs_f64(),
        )
    }
}

fn parse_date(flag: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("{flag} {s:?} is not a date; use YYYY-MM-DD, e.g. 2025-10-13"))
}

/// Today in the UK, the racing calendar's day: `fetch racecards` / `fetch results` without `--date`.
pub fn uk_today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// Racecards reach back to this date on the API (`/v1/racecards/pro`).
const RACECARDS_FIRST: (i32, u32, u32) = (2023, 1, 23);
/// ...and about a week ahead.
const RACECARDS_DAYS_AHEAD: i64 = 7;
/// Results cover the last 365 days (without the historical add-on).
const RESULTS_DAYS_BACK: i64 = 365;

/// Refuses, before any request, dates the real API does not serve (relative to `today`); any
/// other `source` label has no window.
pub fn check_window(
    source: &str,
    endpoint: Endpoint,
    dates: &[NaiveDate],
    today: NaiveDate,
) -> Result<()> {
    if source != "api" {
        return Ok(());
    }
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Ok(());
    };
    match endpoint {
        Endpoint::Results => {
            let oldest = today - chrono::Duration::days(RESULTS_DAYS_BACK);
            if *first < oldest {
                bail!("results of {first} are older than the API's window (the last {RESULTS_DAYS_BACK} days, from {oldest}; older ones need the historical add-on): nothing was requested");
            }
            if *last > today {
                bail!("results of {last} do not exist yet (today is {today} in the UK): nothing was requested");
            }
        }
        _ => {
            let (y, m, d) = RACECARDS_FIRST;
            let oldest = NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
            let newest = today + chrono::Duration::days(RACECARDS_DAYS_AHEAD);
            if *first < oldest {
                bail!("racecards of {first} are before the API's first racecards ({oldest}): nothing was requested");
            }
            if *last > newest {
                bail!("racecards of {last} are too far ahead: the API has them about {RACECARDS_DAYS_AHEAD} days ahead (up to {newest}): nothing was requested");
            }
        }
    }
    Ok(())
}

/// Every date of `--date D [--to D2]`, inclusive; today (UK) without `--date`.
pub fn dates(range: &DateRange) -> Result<Vec<NaiveDate>> {
    let first = match &range.date {
        Some(d) => parse_date("--date", d)?,
        None => uk_today(),
    };
    let last = match &range.to {
        Some(to) => parse_date("--to", to)?,
        None => first,
    };
    if last < first {
        bail!("--to {last} is before --date {first}");
    }
    Ok(first.iter_days().take_while(|d| *d <= last).collect())
}

/// Whose windows apply: The Racing API's own (its default address); another address (a proxy
/// with a history of its own, a test server) and the synthetic source are not refused dates.
fn source_label(args: &FetchArgs) -> &'static str {
    let real = crate::api::ApiConfig::from_env()
        .map(|c| c.base_url.trim_end_matches('/') == crate::api::DEFAULT_BASE_URL)
        .unwrap_or(true);
    match args.source {
        crate::cli::SourceKind::Api if real => "api",
        _ => "other",
    }
}

fn command_text(what: &FetchWhat) -> String {
    let range = |r: &DateRange| {
        let date = r.date.clone().unwrap_or_else(|| uk_today().to_string());
        match &r.to {
            Some(to) if *to != date => format!("{date}..{to}"),
            _ => date,
        }
    };
    match what {
        FetchWhat::Reference => "reference".to_string(),
        FetchWhat::Entities { limit, .. } => format!("entities (at most {limit} horses)"),
        FetchWhat::Racecards(r) => format!("racecards {}", range(r)),
        FetchWhat::Results(r) => format!("results {}", range(r)),
    }
}

/// Refuses dates outside the real API's windows, before any request.
pub fn check_dates(args: &FetchArgs) -> Result<()> {
    match &args.what {
        FetchWhat::Racecards(r) => check_window(
            source_label(args),
            Endpoint::Racecards,
            &dates(r)?,
            uk_today(),
        ),
        FetchWhat::Results(r) => check_window(
            source_label(args),
            Endpoint::Results,
            &dates(r)?,
            uk_today(),
        ),
        _ => Ok(()),
    }
}

/// Runs one fetch command through the phase-aware write path: its summary, and the error that
/// stopped it, if one did (what was committed before it stays committed, and the summary is
/// marked incomplete).
pub fn run(
    client: &mut postgres::Client,
    mapping: Mapping,
    schema: &str,
    source: &dyn Metered,
    args: &FetchArgs,
) -> (Summary, Option<anyhow::Error>) {
    let regions: Vec<String> = args
        .regions
        .iter()
        .map(|r| r.trim().to_lowercase())
        .collect();
    let mut progress = progress::for_stderr();
    let started = Instant::now();
    let mut fetch = Fetch {
        source,
        ingest: Ingest::new(client, mapping, schema, source.label()),
        regions,
        progress: &mut *progress,
        tally: Tally::default(),
    };
    let result = fetch.execute(&args.what);
    fetch.progress.end();
    let mut summary = fetch.summary(command_text(&args.what), started);
    let error = result.err();
    if error.is_some()
        && (summary.tally.dates > 0 || !summary.tables.is_empty() || summary.quarantined > 0)
    {
        summary.incomplete = true;
    }
    (summary, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges_are_inclusive_and_checked() {
        let r = |date: &str, to: Option<&str>| DateRange {
            date: Some(date.into()),
            to: to.map(Into::into),
        };
        assert_eq!(dates(&r("2025-10-13", None)).unwrap().len(), 1);
        assert_eq!(
            dates(&r("2025-10-13", Some("2025-10-15"))).unwrap().len(),
            3
        );
        let e = format!(
            "{:#}",
            dates(&r("2025-10-13", Some("2025-10-12"))).unwrap_err()
        );
        assert!(e.contains("before"), "{e}");
        let e = format!("{:#}", dates(&r("13/10/2025", None)).unwrap_err());
        assert!(e.contains("YYYY-MM-DD"), "{e}");
        let today = DateRange {
            date: None,
            to: None,
        };
        assert_eq!(dates(&today).unwrap(), [uk_today()]);
    }

    #[test]
    fn dates_outside_the_api_windows_are_refused_and_synthetic_has_none() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = d("2025-10-13");
        let ok = |e, day: &str| check_window("api", e, &[d(day)], today).is_ok();
        assert!(ok(Endpoint::Results, "2024-10-13"));
        assert!(!ok(Endpoint::Results, "2024-10-12"), "older than 365 days");
        assert!(!ok(Endpoint::Results, "2025-10-14"), "tomorrow");
        assert!(ok(Endpoint::Racecards, "2025-10-20"));
        assert!(
            !ok(Endpoint::Racecards, "2025-10-21"),
            "more than a week ahead"
        );
        assert!(!ok(Endpoint::Racecards, "2023-01-22"));
        let e = check_window("api", Endpoint::Results, &[d("2020-01-01")], today).unwrap_err();
        assert!(format!("{e}").contains("nothing was requested"), "{e}");
        assert!(check_window("synthetic", Endpoint::Results, &[d("2020-01-01")], today).is_ok());
    }
}
