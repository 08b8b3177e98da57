//! The source a run reads from (`--source api|synthetic`), with the request counts the progress
//! display and the summary report.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use serde::Serialize;

use crate::api::synthetic::Synthetic;
use crate::api::{ApiClient, CourseRecord, HorseLookup, Parsed, RaceBatch, Source};
use crate::cli::{FetchArgs, SourceKind};

/// Requests made so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Meter {
    /// HTTP attempts (first tries and retries); calls, for the synthetic source.
    pub requests: u64,
    pub retries: u64,
}

/// A [`Source`] that counts its requests.
pub trait Metered: Source {
    fn meter(&self) -> Meter;
}

impl Metered for ApiClient {
    fn meter(&self) -> Meter {
        let s = self.stats();
        Meter {
            requests: s.requests,
            retries: s.retries,
        }
    }
}

/// The synthetic source, counting one request per call as the API would.
#[derive(Debug)]
pub struct CountedSynthetic {
    inner: Synthetic,
    calls: AtomicU64,
}

impl CountedSynthetic {
    pub fn new(seed: u64) -> CountedSynthetic {
        CountedSynthetic {
            inner: Synthetic::new(seed),
            calls: AtomicU64::new(0),
        }
    }

    fn call(&self) -> &Synthetic {
        self.calls.fetch_add(1, Ordering::Relaxed);
        &self.inner
    }
}

impl Source for CountedSynthetic {
    fn label(&self) -> &'static str {
        self.inner.label()
    }

    fn fetch_courses(&self, regions: &[String]) -> Result<Parsed<CourseRecord>> {
        self.call().fetch_courses(regions)
    }

    fn fetch_racecards(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch> {
        self.call().fetch_racecards(date, regions)
    }

    fn fetch_results(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch> {
        self.call().fetch_results(date, regions)
    }

    fn fetch_horse(&self, horse_id: &str) -> Result<HorseLookup> {
        self.call().fetch_horse(horse_id)
    }
}

impl Metered for CountedSynthetic {
    fn meter(&self) -> Meter {
        Meter {
            requests: self.calls.load(Ordering::Relaxed),
            retries: 0,
        }
    }
}

/// The source `args` asks for; the API client reads its settings from the environment.
pub fn open(args: &FetchArgs) -> Result<Box<dyn Metered>> {
    open_kind(args.source, args.seed)
}

/// The source of `--source` (fetch and worker alike).
pub fn open_kind(kind: SourceKind, seed: u64) -> Result<Box<dyn Metered>> {
    Ok(match kind {
        SourceKind::Api => {
            Box::new(ApiClient::from_env().context(
                "configuring the Racing API client (RACING_API_* environment variables)",
            )?)
        }
        SourceKind::Synthetic => Box::new(CountedSynthetic::new(seed)),
    })
}
