//! Client for The Racing API, and the data it returns.
//!
//! - [`client`]: the blocking HTTP transport (auth, one shared rate limit, retries, paging).
//! - [`payload`]: tolerant typed payloads and the normalised records the write path stores.
//! - [`Source`]: what the fetchers read from, implemented by the HTTP client and by
//!   [`crate::api::synthetic::Synthetic`], so a run can use `--source api|synthetic`.

mod auth;
mod backoff;
pub mod client;
pub mod error;
mod limiter;
pub mod payload;
pub mod rng;
pub mod synthetic;

use anyhow::{Context, Result};
use chrono::NaiveDate;

pub use auth::base64_encode;
pub use client::{describe, ApiClient, ApiConfig, ApiStats, Paged, DEFAULT_BASE_URL};
pub use error::ApiError;
pub use payload::{
    BookmakerRecord, CourseRecord, Endpoint, Entities, HorseLookup, HorseProfile, HorseRecord,
    OddsRecord, Parsed, PedigreeRecord, PersonKind, PersonRecord, RaceBatch, RaceRecord, Rejected,
    RunnerRecord, SireKind, SireLike,
};

/// Where racing data comes from. Every method returns parsed records plus the rejected raw
/// elements; an `Err` means the fetch itself failed (never "no data").
pub trait Source {
    /// `api` or `synthetic`, for logs and run reports.
    fn label(&self) -> &'static str;

    /// Courses of `regions` (lower-case codes such as `gb`, `ire`; empty for all).
    fn fetch_courses(&self, regions: &[String]) -> Result<Parsed<CourseRecord>>;

    /// All racecards of one date.
    fn fetch_racecards(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch>;

    /// All results of one date.
    fn fetch_results(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch>;

    /// One horse profile; [`HorseLookup::Absent`] when the source has no such horse.
    fn fetch_horse(&self, horse_id: &str) -> Result<HorseLookup>;
}

impl Source for ApiClient {
    fn label(&self) -> &'static str {
        "api"
    }

    fn fetch_courses(&self, regions: &[String]) -> Result<Parsed<CourseRecord>> {
        let query: Vec<(&str, String)> = regions
            .iter()
            .map(|r| ("region_codes", r.to_lowercase()))
            .collect();
        let request = describe("/v1/courses", &query);
        let value = self.courses(regions)?;
        payload::parse_courses_response(&value, &request).context("reading the courses response")
    }

    fn fetch_racecards(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch> {
        let paged = self.racecards_pro(date, regions)?;
        let mut batch = payload::parse_racecards(&paged.items, &paged.request);
        batch.reject_unreadable(&paged.request, &paged.unreadable);
        Ok(batch)
    }

    fn fetch_results(&self, date: NaiveDate, regions: &[String]) -> Result<RaceBatch> {
        let mut batch = RaceBatch::new(Endpoint::Results);
        for paged in self.results(date, date, regions)? {
            batch.append(payload::parse_results(&paged.items, &paged.request));
            batch.reject_unreadable(&paged.request, &paged.unreadable);
        }
        Ok(batch)
    }

    fn fetch_horse(&self, horse_id: &str) -> Result<HorseLookup> {
        let (value, path) = self.horse_profile(horse_id)?;
        let request = describe(&format!("/v1/horses/{horse_id}/{path}"), &[]);
        Ok(match value {
            None => HorseLookup::Absent,
            Some(value) => match payload::parse_horse_pro(&value, &request) {
                Ok(profile) => HorseLookup::Found(Box::new(profile)),
                Err(rejected) => HorseLookup::Rejected(rejected),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_interchangeable_and_shareable() {
        // the fetchers hold a `Box<dyn Source>` chosen by `--source`, possibly across threads
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ApiClient>();
        assert_send_sync::<crate::api::synthetic::Synthetic>();
        let sources: Vec<Box<dyn Source + Send + Sync>> = vec![
            Box::new(ApiClient::new(ApiConfig::default()).unwrap()),
            Box::new(crate::api::synthetic::Synthetic::new(1)),
        ];
        let labels: Vec<&str> = sources.iter().map(|s| s.label()).collect();
        assert_eq!(labels, ["api", "synthetic"]);
    }
}
