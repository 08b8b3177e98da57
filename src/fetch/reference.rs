//! `fetch reference`: courses and regions from `/courses`, bookmakers from the static reference
//! list (there is no endpoint; bookmakers seen in racecard odds are added by the racecards fetch).

use anyhow::{Context, Result};

use crate::api::payload::reference_bookmakers;
use crate::api::{describe, Endpoint};

use super::tx::BatchContext;
use super::Fetch;

pub fn fetch(f: &mut Fetch) -> Result<()> {
    f.progress.begin("reference", 1);
    let query: Vec<(&str, String)> = f
        .regions
        .iter()
        .map(|r| ("region_codes", r.clone()))
        .collect();
    let request = describe("/v1/courses", &query);
    let courses = f
        .source
        .fetch_courses(&f.regions)
        .with_context(|| format!("fetching courses ({request})"))?;
    f.tally.warnings += courses.warnings.len() as u64;
    let ctx = BatchContext {
        endpoint: Endpoint::Courses.path().to_string(),
        request: format!("{}{request}", f.request_prefix()),
        label: "reference data (regions, courses, bookmakers)".to_string(),
    };
    f.ingest
        .reference(&courses, &reference_bookmakers(), &ctx)?;
    f.tick(&ctx.label);
    f.progress.end();
    Ok(())
}
