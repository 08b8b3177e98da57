//! `fetch racecards` / `fetch results`: one request (plus pages) and one transaction per date.
//! Courses the database has never seen are looked up in `/courses` once per run, so a new course
//! arrives with its region instead of stopping its races.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::api::{describe, Endpoint, RaceBatch};

use super::batches::CourseBook;
use super::tx::BatchContext;
use super::Fetch;

fn noun(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Results => "results",
        _ => "racecards",
    }
}

/// The request of one date, as the API client would describe it.
fn request(endpoint: Endpoint, date: NaiveDate, regions: &[String]) -> String {
    let day = date.format("%Y-%m-%d").to_string();
    match endpoint {
        Endpoint::Results => {
            let mut q = vec![("start_date", day.clone()), ("end_date", day)];
            q.extend(regions.iter().map(|r| ("region", r.clone())));
            describe("/v1/results", &q)
        }
        _ => {
            let mut q = vec![("date", day)];
            q.extend(regions.iter().map(|r| ("region_codes", r.clone())));
            describe("/v1/racecards/pro", &q)
        }
    }
}

pub fn fetch(f: &mut Fetch, endpoint: Endpoint, dates: &[NaiveDate]) -> Result<()> {
    let mut book = CourseBook {
        region_names: f.ingest.region_names()?,
        ..CourseBook::default()
    };
    let mut courses_fetched = false;
    // courses known to exist, so a long range asks the database once per course
    let mut in_db: BTreeSet<String> = BTreeSet::new();
    f.progress.begin(noun(endpoint), dates.len() as u64);
    for date in dates {
        // a stop asked for (worker, SIGTERM) ends the run between two dates, never inside one
        crate::worker::check_stop()?;
        let what = format!("{} of {date}", noun(endpoint));
        let batch: RaceBatch = match endpoint {
            Endpoint::Results => f.source.fetch_results(*date, &f.regions),
            _ => f.source.fetch_racecards(*date, &f.regions),
        }
        .with_context(|| format!("fetching {what}"))?;
        if !courses_fetched && needs_courses(f, &batch, &book, &mut in_db)? {
            let courses = f
                .source
                .fetch_courses(&f.regions)
                .with_context(|| format!("fetching courses for the new courses in the {what}"))?;
            book.add(&courses.records);
            courses_fetched = true;
        }
        let ctx = BatchContext {
            endpoint: endpoint.path().to_string(),
            request: format!(
                "{}{}",
                f.request_prefix(),
                request(endpoint, *date, &f.regions)
            ),
            label: what,
        };
        f.ingest.race_batch(&batch, &book, &ctx)?;
        f.tally.dates += 1;
        f.tally.races += batch.races.len() as u64;
        f.tally.runners += batch.runners.len() as u64;
        f.tally.odds += batch.odds.len() as u64;
        f.tally.warnings += batch.warnings.len() as u64;
        f.tick(&ctx.label);
    }
    f.progress.end();
    Ok(())
}

/// True when the batch names a course neither the database nor the course book has.
fn needs_courses(
    f: &mut Fetch,
    batch: &RaceBatch,
    book: &CourseBook,
    in_db: &mut BTreeSet<String>,
) -> Result<bool> {
    let unknown: Vec<String> = batch
        .races
        .iter()
        .map(|r| r.course_id.clone())
        .filter(|id| !book.courses.contains_key(id) && !in_db.contains(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if unknown.is_empty() {
        return Ok(false);
    }
    let known = f.ingest.existing_ids("ra_courses", &unknown)?;
    let missing = unknown.len() > known.len();
    in_db.extend(known);
    Ok(missing)
}
