//! The built-in fetchers: the phase-aware write path of the migration.
//!
//! - [`reference`], [`races`], [`entities`]: the three fetchers (what to ask the source for);
//! - [`batches`]: what one transaction writes, in dependency order;
//! - [`ingest`]: the transaction per batch, its targets read under the phase lock;
//! - [`tx`], [`step`], [`fields`], [`shape`], [`check`], [`statements`]: turning records into
//!   checked, set-based statements against the live catalog;
//! - [`route`]: which physical tables a phase writes and reads;
//! - [`shadow`]: what this run already wrote, so unchanged rows are not sent again;
//! - [`quarantine`], [`summary`], [`progress`], [`source`]: what could not be used, what was done.
//!
//! Library code returns data; only [`run`] and [`quarantine::list`] print.

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

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use serde::Serialize;

use crate::api::Endpoint;
use crate::cli::{DateRange, FetchArgs, FetchWhat, Global};
use crate::mapping::Mapping;
use crate::state;

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

/// Every date of `--date D [--to D2]`, inclusive.
pub fn dates(range: &DateRange) -> Result<Vec<NaiveDate>> {
    let first = parse_date("--date", &range.date)?;
    let last = match &range.to {
        Some(to) => parse_date("--to", to)?,
        None => first,
    };
    if last < first {
        bail!("--to {last} is before --date {first}");
    }
    Ok(first.iter_days().take_while(|d| *d <= last).collect())
}

fn command_text(what: &FetchWhat) -> String {
    let range = |r: &DateRange| match &r.to {
        Some(to) if *to != r.date => format!("{}..{to}", r.date),
        _ => r.date.clone(),
    };
    match what {
        FetchWhat::Reference => "reference".to_string(),
        FetchWhat::Entities { limit, .. } => format!("entities (at most {limit} horses)"),
        FetchWhat::Racecards(r) => format!("racecards {}", range(r)),
        FetchWhat::Results(r) => format!("results {}", range(r)),
    }
}

pub fn run(g: &Global, args: &FetchArgs) -> Result<ExitCode> {
    if let FetchWhat::Racecards(r) | FetchWhat::Results(r) = &args.what {
        dates(r)?;
    }
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let source = source::open(args)?;
    let mut client = crate::commands::connect(g, "fetch")?;
    state::require_init(&mut client)?;
    let regions: Vec<String> = args
        .regions
        .iter()
        .map(|r| r.trim().to_lowercase())
        .collect();
    let mut progress = progress::for_stderr();
    let started = Instant::now();
    let mut fetch = Fetch {
        source: &*source,
        ingest: Ingest::new(&mut client, mapping, &g.schema, source.label()),
        regions,
        progress: &mut *progress,
        tally: Tally::default(),
    };
    let result = fetch.execute(&args.what);
    fetch.progress.end();
    let mut summary = fetch.summary(command_text(&args.what), started);
    match result {
        Ok(()) => {
            if g.json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print!("{}", summary.render());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // what was committed before the failure stays committed: say so, then fail
            if summary.tally.dates > 0 || !summary.tables.is_empty() || summary.quarantined > 0 {
                summary.incomplete = true;
                eprint!("{}", summary.render());
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges_are_inclusive_and_checked() {
        let r = |date: &str, to: Option<&str>| DateRange {
            date: date.into(),
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
    }
}
