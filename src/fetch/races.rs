//! `fetch racecards` / `fetch results`: one request (plus pages) and one transaction per date,
//! fetched a week at a time and written one day after the other while the next are checked ahead.
//! Courses the database has never seen are looked up in `/courses` once per run, so a new course
//! arrives with its region instead of stopping its races.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::api::{describe, Endpoint, RaceBatch};

use super::ahead;
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

/// Days fetched before they are written. The first of them is written while the others are
/// checked ahead (`ahead`); a week keeps a long range's memory at a few days' records.
const DAYS_PER_ROUND: usize = 7;

pub fn fetch(f: &mut Fetch, endpoint: Endpoint, dates: &[NaiveDate]) -> Result<()> {
    let mut courses = Courses {
        book: CourseBook {
            region_names: f.ingest.region_names()?,
            ..CourseBook::default()
        },
        fetched: false,
        in_db: BTreeSet::new(),
    };
    f.progress.begin(noun(endpoint), dates.len() as u64);
    for round in dates.chunks(DAYS_PER_ROUND) {
        // A failed fetch ends the range once the days fetched before it are written. So does a stop
        // asked for (worker, SIGTERM): it is looked for before each request, and the days in hand
        // are written, whole, each in its own transaction.
        let mut days: Vec<(RaceBatch, BatchContext)> = Vec::new();
        let mut failed = None;
        for date in round {
            let what = format!("{} of {date}", noun(endpoint));
            let batch = crate::worker::check_stop().and_then(|()| {
                match endpoint {
                    Endpoint::Results => f.source.fetch_results(*date, &f.regions),
                    _ => f.source.fetch_racecards(*date, &f.regions),
                }
                .with_context(|| format!("fetching {what}"))
            });
            match batch {
                Ok(batch) => days.push((
                    batch,
                    BatchContext {
                        endpoint: endpoint.path().to_string(),
                        request: format!(
                            "{}{}",
                            f.request_prefix(),
                            request(endpoint, *date, &f.regions)
                        ),
                        label: what,
                    },
                )),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        write_days(f, &days, &mut courses)?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    f.progress.end();
    Ok(())
}

/// What the run knows about courses: the book, whether `/courses` was asked already, and the
/// courses known to exist, so a long range asks the database once per course.
struct Courses {
    book: CourseBook,
    fetched: bool,
    in_db: BTreeSet<String>,
}

/// Writes `days` in order, one transaction each, while the days after the one being written are
/// checked ahead on a second thread.
fn write_days(
    f: &mut Fetch,
    days: &[(RaceBatch, BatchContext)],
    courses: &mut Courses,
) -> Result<()> {
    let days: Vec<(&RaceBatch, BatchContext)> = days.iter().map(|(b, c)| (b, c.clone())).collect();
    let places = ahead::Places::new(days.len());
    // Without the phase's tables nothing can be checked ahead: each write then fails on its own,
    // naming its day. A single day goes the same way as a range (checked on the other thread,
    // nothing beside it to overlap), so every fetch writes through one path.
    let prep = f.ingest.prepared().ok();
    std::thread::scope(|scope| {
        let checked = prep.map(|prep| ahead::spawn(scope, prep, &days, &places));
        for (batch, ctx) in &days {
            if !courses.fetched && needs_courses(f, batch, courses)? {
                let found = f.source.fetch_courses(&f.regions).with_context(|| {
                    format!("fetching courses for the new courses in the {}", ctx.label)
                })?;
                courses.book.add(&found.records);
                courses.fetched = true;
            }
            let ahead = checked.as_ref().and_then(ahead::Ahead::next);
            f.ingest.race_batch(batch, &courses.book, ctx, ahead)?;
            f.tally.dates += 1;
            f.tally.races += batch.races.len() as u64;
            f.tally.runners += batch.runners.len() as u64;
            f.tally.odds += batch.odds.len() as u64;
            f.tally.warnings += batch.warnings.len() as u64;
            f.tick(&ctx.label);
        }
        Ok(())
    })
}

/// True when the batch names a course neither the database nor the course book has.
fn needs_courses(f: &mut Fetch, batch: &RaceBatch, courses: &mut Courses) -> Result<bool> {
    let unknown: Vec<String> = batch
        .races
        .iter()
        .map(|r| r.course_id.clone())
        .filter(|id| !courses.book.courses.contains_key(id) && !courses.in_db.contains(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if unknown.is_empty() {
        return Ok(false);
    }
    let known = f.ingest.existing_ids("ra_courses", &unknown)?;
    let missing = unknown.len() > known.len();
    courses.in_db.extend(known);
    Ok(missing)
}
