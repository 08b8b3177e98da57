//! `fetch entities`: enriches horses that lack a profile through `/horses/{id}/pro` (pedigree,
//! colour, breeder, sire/dam/damsire ids), writing them in batches. Sires, dams and damsires get
//! their `horse_id` from the API's id rule (`sir_N` is `hrs_N`), never from name matching.

use anyhow::{Context, Result};

use crate::api::{describe, Endpoint, HorseLookup};

use super::tx::BatchContext;
use super::Fetch;

/// Profiles per transaction: at 2 requests/s, about half a minute of fetching.
const PER_BATCH: usize = 50;

pub fn enrich(f: &mut Fetch, limit: usize, recheck_absent_days: u32) -> Result<()> {
    let ids = f.ingest.enrichment_candidates(limit, recheck_absent_days)?;
    f.progress.begin("horse profiles", ids.len() as u64);
    for chunk in ids.chunks(PER_BATCH) {
        // a stop asked for (worker, SIGTERM) ends the run between two batches, never inside one
        crate::worker::check_stop()?;
        let mut profiles = Vec::new();
        let mut rejected = Vec::new();
        let mut failure = None;
        let mut absent = Vec::new();
        for id in chunk {
            let request = describe(&format!("/v1/horses/{id}/pro"), &[]);
            match f
                .source
                .fetch_horse(id)
                .with_context(|| format!("fetching the profile of {id} ({request})"))
            {
                Ok(HorseLookup::Found(p)) => {
                    f.tally.warnings += p.warnings.len() as u64;
                    f.tally.profiles += 1;
                    profiles.push(*p);
                }
                Ok(HorseLookup::Absent) => {
                    tracing::info!("{id}: the API has no profile (404)");
                    f.tally.absent_profiles += 1;
                    absent.push(id.clone());
                }
                Ok(HorseLookup::Rejected(r)) => rejected.push(r),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            f.tick(id);
        }
        // what was fetched before a failure is still written
        if !profiles.is_empty() || !rejected.is_empty() {
            let first = chunk.first().map(String::as_str).unwrap_or("");
            let ctx = BatchContext {
                endpoint: Endpoint::HorsePro.path().to_string(),
                request: format!(
                    "{}GET /v1/horses/{{id}}/pro for {} horse(s) from {first}",
                    f.request_prefix(),
                    chunk.len()
                ),
                label: format!(
                    "{} horse profile(s) from {first}",
                    profiles.len() + rejected.len()
                ),
            };
            f.ingest.profiles(&profiles, &rejected, &ctx)?;
            // still without dob or colour, they would be chosen again by every run
            let partial: Vec<String> = profiles
                .iter()
                .filter(|p| p.horse.dob.is_none() || p.horse.colour_code.is_none())
                .map(|p| p.horse.id.clone())
                .collect();
            f.ingest.remember_partial(&partial)?;
        }
        f.ingest.remember_absent(&absent)?;
        if let Some(e) = failure {
            return Err(e);
        }
    }
    f.progress.end();
    Ok(())
}
