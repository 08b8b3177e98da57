//! The write path's entry: one transaction per batch, its targets read inside it under the shared
//! phase lock (`state::write_targets`), the catalog re-read whenever the phase changes, and the
//! reads the fetchers need (existing ids, enrichment candidates) routed like the writes.
//!
//! A batch whose statement fails on its data is rolled back and written again in careful mode
//! (savepoints, bisecting): its good records are written, the bad ones quarantined.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use postgres::Client;
use serde::Serialize;

use crate::api::{BookmakerRecord, CourseRecord, HorseProfile, Parsed, RaceBatch, Rejected};
use crate::schema::mapping::Mapping;
use crate::schema::quote;
use crate::state::{self, Targets};

use super::ahead::CheckedDay;
use super::batches::{self, CourseBook};
use super::quarantine;
use super::route::{Role, WritePlan};
use super::shadow::Shadow;
use super::tx::{is_data_error, BatchContext, Prepared, Refusals, TxCtx};

/// Deadlocks and serialization failures with concurrent writers: retried this many times.
const MAX_CONFLICT_RETRIES: u32 = 3;

/// A deadlock or serialization failure: the batch lost a race with another writer, and running
/// it again is the remedy.
fn is_conflict(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<postgres::Error>()
            .and_then(|pe| pe.code())
            .is_some_and(|code| matches!(code.code(), "40P01" | "40001"))
    })
}

/// The catalog and compiled steps of the phase `tx` finds in effect (read under the shared phase
/// lock): kept while the phase stays, read again when it changes, and then what this run wrote
/// to the previous tables proves nothing (`shadow`).
fn prepared_for(
    prepared: &mut Option<Arc<Prepared>>,
    shadow: &mut Shadow,
    tx: &mut postgres::Transaction,
    (mapping, schema): (&Mapping, &str),
) -> Result<Arc<Prepared>> {
    let targets = state::write_targets(tx)?;
    match prepared {
        Some(p) if p.targets == targets => Ok(p.clone()),
        _ => {
            shadow.clear();
            let p = Arc::new(Prepared::new(tx, targets, mapping, schema)?);
            *prepared = Some(p.clone());
            Ok(p)
        }
    }
}

/// What one committed batch wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BatchOutcome {
    pub targets: Targets,
    /// Rows inserted or changed, per physical table and layout.
    pub written: BTreeMap<(String, Role), u64>,
    pub quarantined: usize,
    /// The first try failed on a data error and the batch was written record-safe.
    pub careful: bool,
}

/// Everything written by one `Ingest`.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub written: BTreeMap<(String, Role), u64>,
    pub quarantined: u64,
    pub batches: u64,
    pub careful_batches: u64,
    /// The targets of the last batch.
    pub targets: Option<Targets>,
}

/// The phase-aware writer over one connection.
pub struct Ingest<'c> {
    client: &'c mut Client,
    mapping: Mapping,
    schema: String,
    source: String,
    /// The catalog and compiled steps of the phase in effect (shared with `ahead`'s thread).
    prepared: Option<Arc<Prepared>>,
    shadow: Shadow,
    totals: Totals,
}

impl<'c> Ingest<'c> {
    /// `source` (`api`, `synthetic`) is recorded with quarantined records.
    pub fn new(client: &'c mut Client, mapping: Mapping, schema: &str, source: &str) -> Ingest<'c> {
        Ingest {
            client,
            mapping,
            schema: schema.to_string(),
            source: source.to_string(),
            prepared: None,
            shadow: Shadow::default(),
            totals: Totals::default(),
        }
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// One day of racecards or results, with the checks `ahead` made while the day before was
    /// written, if any. They are used only when made against the tables of this transaction's
    /// phase, and only on the first try: a try again (careful, or knowing what the database
    /// refused) checks the day afresh.
    pub fn race_batch(
        &mut self,
        batch: &RaceBatch,
        book: &CourseBook,
        ctx: &BatchContext,
        checked: Option<CheckedDay>,
    ) -> Result<BatchOutcome> {
        let mut checked = checked;
        self.batch(ctx, |cx| match checked.take() {
            Some(day) if day.made_for(cx.checks.prep) => {
                let (found, gathered, steps) = day.into_parts();
                cx.checks.adopt(found);
                batches::write_race_batch(cx, batch, book, gathered, steps)
            }
            _ => batches::race_batch(cx, batch, book),
        })
    }

    /// The catalog and compiled steps of the phase in effect now, for checks made ahead.
    pub fn prepared(&mut self) -> Result<Arc<Prepared>> {
        let mut tx = self
            .client
            .transaction()
            .context("reading the phase in effect")?;
        let prep = prepared_for(
            &mut self.prepared,
            &mut self.shadow,
            &mut tx,
            (&self.mapping, &self.schema),
        )?;
        tx.rollback()
            .context("ending the read of the phase in effect")?;
        Ok(prep)
    }

    /// Regions, courses and bookmakers.
    pub fn reference(
        &mut self,
        courses: &Parsed<CourseRecord>,
        bookmakers: &[BookmakerRecord],
        ctx: &BatchContext,
    ) -> Result<BatchOutcome> {
        self.batch(ctx, |cx| batches::reference(cx, courses, bookmakers))
    }

    /// Horse profiles, with their parents and pedigree.
    pub fn profiles(
        &mut self,
        profiles: &[HorseProfile],
        rejected: &[Rejected],
        ctx: &BatchContext,
    ) -> Result<BatchOutcome> {
        self.batch(ctx, |cx| batches::profiles(cx, profiles, rejected))
    }

    /// Runs `body` in one transaction and commits it with its quarantined records. On a data
    /// error, once more in careful mode, which isolates the rows the database refuses. When a try
    /// refused a row after it had written others (a runner whose trainer the database refused,
    /// after its horse was written), it is rolled back and run once more with every refusal known
    /// up front: nothing may stay written on behalf of a quarantined record.
    pub fn batch(
        &mut self,
        ctx: &BatchContext,
        mut body: impl FnMut(&mut TxCtx) -> Result<()>,
    ) -> Result<BatchOutcome> {
        let mut careful = false;
        let mut conflicts = 0u32;
        let mut known = Refusals::new();
        let mut replayed = false;
        let mut was_careful = false;
        loop {
            let mut tx = self
                .client
                .transaction()
                .with_context(|| format!("starting the transaction for {}", ctx.label))?;
            let prep = prepared_for(
                &mut self.prepared,
                &mut self.shadow,
                &mut tx,
                (&self.mapping, &self.schema),
            )?;
            let targets = prep.targets;
            let result = {
                let mut cx = TxCtx::new(&mut tx, &prep, &self.shadow, careful, ctx, &known);
                body(&mut cx).map(|()| {
                    (
                        std::mem::take(&mut cx.checks.quarantine),
                        std::mem::take(&mut cx.written),
                        std::mem::take(&mut cx.remembered),
                        (
                            std::mem::take(&mut cx.checks.refused),
                            cx.checks.refused_late,
                        ),
                    )
                })
            };
            match result {
                Ok((_, _, _, (refused, true))) if !replayed => {
                    tx.rollback().with_context(|| {
                        format!(
                            "rolling back {} to write it again without its refused rows",
                            ctx.label
                        )
                    })?;
                    known = refused;
                    replayed = true;
                    careful = false;
                }
                Ok((quarantined, written, remembered, _)) => {
                    let careful = was_careful;
                    quarantine::store(&mut tx, &self.source, &quarantined)?;
                    tx.commit().with_context(|| {
                        format!("committing {} (nothing of it was written)", ctx.label)
                    })?;
                    for w in remembered {
                        self.shadow.record(w);
                    }
                    let t = &mut self.totals;
                    for (k, n) in &written {
                        *t.written.entry(k.clone()).or_insert(0) += n;
                    }
                    t.quarantined += quarantined.len() as u64;
                    t.batches += 1;
                    t.careful_batches += u64::from(careful);
                    t.targets = Some(targets);
                    return Ok(BatchOutcome {
                        targets,
                        written,
                        quarantined: quarantined.len(),
                        careful,
                    });
                }
                Err(e) if !careful && is_data_error(&e) => {
                    tracing::warn!(batch = %ctx.label, error = %format!("{e:#}"), "a statement failed on its data; writing the batch again, isolating the records at fault");
                    tx.rollback().context("rolling back the failed batch")?;
                    careful = true;
                    was_careful = true;
                }
                Err(e) if conflicts < MAX_CONFLICT_RETRIES && is_conflict(&e) => {
                    // another writer of the same rows won a deadlock: the whole batch again
                    conflicts += 1;
                    tracing::warn!(batch = %ctx.label, error = %format!("{e:#}"), conflicts, "concurrent writer conflict; retrying the batch");
                    tx.rollback()
                        .context("rolling back the conflicting batch")?;
                    std::thread::sleep(std::time::Duration::from_millis(50 * u64::from(conflicts)));
                }
                Err(e) => {
                    return Err(e.context(format!(
                        "{}: rolled back, nothing of this batch was written",
                        ctx.label
                    )))
                }
            }
        }
    }

    /// The targets of the phase in effect now (read in a transaction that is rolled back).
    pub fn targets(&mut self) -> Result<Targets> {
        let mut tx = self.client.transaction()?;
        let t = state::write_targets(&mut tx)?;
        tx.rollback()?;
        Ok(t)
    }

    /// The table reads of `logical` go to now (old or new master).
    pub fn read_table(&mut self, logical: &str) -> Result<String> {
        let targets = self.targets()?;
        Ok(WritePlan::new(targets, &self.mapping)?
            .route(logical)?
            .read
            .clone())
    }

    fn qualified(&self, table: &str) -> String {
        format!("{}.{}", quote::ident(&self.schema), quote::ident(table))
    }

    /// Records horses whose profile the API does not have, so the next runs skip them for a while.
    pub fn remember_absent(&mut self, horse_ids: &[String]) -> Result<()> {
        self.remember(
            "INSERT INTO ra_migrate.absent_profile AS a (horse_id) SELECT DISTINCT unnest($1::text[]) \
             ON CONFLICT (horse_id) DO UPDATE \
             SET last_checked_at = now(), times_checked = a.times_checked + 1",
            horse_ids,
            "recording horses without a profile in ra_migrate.absent_profile",
        )
    }

    /// Records horses whose profile was written without a date of birth or a colour (the
    /// `/standard` fallback), so the next runs do not ask for them again for a while.
    pub fn remember_partial(&mut self, horse_ids: &[String]) -> Result<()> {
        self.remember(
            "INSERT INTO ra_migrate.partial_profile AS p (horse_id) SELECT DISTINCT unnest($1::text[]) \
             ON CONFLICT (horse_id) DO UPDATE \
             SET last_fetched_at = now(), times_fetched = p.times_fetched + 1",
            horse_ids,
            "recording horses with a partial profile in ra_migrate.partial_profile",
        )
    }

    /// Runs `upsert` (its `$1`: the horse ids) when there are any.
    fn remember(&mut self, upsert: &str, horse_ids: &[String], what: &str) -> Result<()> {
        if horse_ids.is_empty() {
            return Ok(());
        }
        self.client
            .execute(upsert, &[&horse_ids])
            .with_context(|| what.to_string())?;
        Ok(())
    }

    /// Which of `ids` exist in the read table of `logical` (keyed by `id`).
    pub fn existing_ids(&mut self, logical: &str, ids: &[String]) -> Result<Vec<String>> {
        // PostgreSQL text cannot hold NUL: such an id exists nowhere, and asking would fail the
        // whole batch instead of quarantining the one record that carries it
        let ids: Vec<&String> = ids.iter().filter(|id| !id.contains('\0')).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let table = self.read_table(logical)?;
        let sql = format!(
            "SELECT id::text FROM {} WHERE id::text = ANY($1)",
            self.qualified(&table)
        );
        Ok(self
            .client
            .query(&sql, &[&ids])
            .with_context(|| format!("reading existing ids from {table}"))?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// Region names by code, from the regions table.
    pub fn region_names(&mut self) -> Result<BTreeMap<String, String>> {
        let table = self.read_table("ra_regions")?;
        let sql = format!(
            "SELECT lower(code::text), name::text FROM {}",
            self.qualified(&table)
        );
        Ok(self
            .client
            .query(&sql, &[])
            .with_context(|| format!("reading region names from {table}"))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    /// Up to `limit` horses that lack a profile (no `colour_code` or no `dob`: only a profile
    /// gives them), those without a date of birth first (known only from results or as someone's
    /// parent), then by id; a horse whose profile was absent (404) within the last
    /// `recheck_absent_days` is not asked for again.
    pub fn enrichment_candidates(
        &mut self,
        limit: usize,
        recheck_absent_days: u32,
    ) -> Result<Vec<String>> {
        let table = self.read_table("ra_horses")?;
        let columns: Vec<String> = self
            .client
            .query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
                &[&self.schema, &table],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let has = |c: &str| columns.iter().any(|x| x == c);
        let lacking: Vec<&str> = ["colour_code", "dob"]
            .into_iter()
            .filter(|c| has(c))
            .collect();
        if lacking.is_empty() {
            anyhow::bail!(
                "{table} has neither colour_code nor dob: cannot tell which horses lack a profile"
            );
        }
        let predicate = lacking
            .iter()
            .map(|c| format!("{c} IS NULL"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let order = if has("dob") {
            "(dob IS NULL) DESC, id"
        } else {
            "id"
        };
        let sql = format!(
            "SELECT id::text FROM {} WHERE ({predicate}) \
               AND NOT EXISTS (SELECT 1 FROM ra_migrate.absent_profile a \
                                WHERE a.horse_id = id::text \
                                  AND a.last_checked_at > now() - make_interval(days => $2)) \
               AND NOT EXISTS (SELECT 1 FROM ra_migrate.partial_profile p \
                                WHERE p.horse_id = id::text \
                                  AND p.last_fetched_at > now() - make_interval(days => $2)) \
             ORDER BY {order} LIMIT $1",
            self.qualified(&table)
        );
        Ok(self
            .client
            .query(&sql, &[&(limit as i64), &(recheck_absent_days as i32)])
            .with_context(|| format!("choosing horses to enrich from {table}"))?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}
