//! Copies a master's history from its old table into its new one: keyset batches, each its own
//! short transaction with its checkpoint, so a killed run resumes where it stopped.
//!
//! Each batch locks its source rows `FOR SHARE` while it copies them: a concurrent delete either
//! committed before (the row is skipped) or waits until the batch commits (and the dual-write
//! trigger then deletes the copy), so a delete that races a batch never resurrects the row. Rows the
//! dual-write already put in the new table are newer and are kept (`ON CONFLICT DO NOTHING`).
//!
//! A batch whose key range of the new table holds no row yet (the usual case: the dual-write only
//! writes the rows changed since phase 2) can hold no stale copy: it inserts without `ON CONFLICT`
//! and prunes nothing. A row the dual-write commits into that range meanwhile makes the insert
//! fail on the key (a unique index never lets a duplicate through), and the batch runs again the
//! full way.

use crate::pg::db::{self, LockPolicy};
use crate::schema::catalog::{Catalog, Table};
use anyhow::{Context, Result};
use postgres::Client;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// What to copy, as planned (and previewed) by phase 3.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchedCopy {
    pub old: String,
    pub new: String,
    /// The four forms of the batch statement: no bound, lower only, upper only, both. `$1` is the
    /// lower key (exclusive), `$2` the upper key (inclusive), as text arrays. Then the same four
    /// without `ON CONFLICT`, for a key range of the new table that holds no row yet (plans made
    /// before them have only the first four).
    pub statements: Vec<String>,
    /// Finds the upper key of the next batch: `$1` lower key (or the form without it), `$2` size;
    /// and whether the new table holds no row in the batch's range yet.
    pub upper_first: String,
    pub upper_next: String,
    /// Counts the source rows, for progress.
    pub count: String,
    /// Removes from the new table the rows of the same key range that the old one no longer has
    /// (left there by an earlier run while dual-write was off); same four forms and parameters.
    #[serde(default)]
    pub prune: [String; 4],
}

#[derive(Debug, Clone)]
pub struct Tuning {
    /// Rows per batch to start with.
    pub batch_size: i64,
    /// Batch duration the batch size adapts to.
    pub target: Duration,
    /// Upper bound on rows copied per second (0 = none).
    pub max_rows_per_sec: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            batch_size: 5_000,
            target: Duration::from_millis(500),
            max_rows_per_sec: 0,
        }
    }
}

/// Where progress goes: bars on a terminal, log lines otherwise (see `progress`). `Sync`: copies
/// on the second session report too.
pub trait CopyProgress: Sync {
    fn start(&self, table: &str, total: u64, done: u64);
    fn advance(&self, table: &str, rows: u64);
    fn finish(&self, table: &str);
}

/// Progress passed on, noting whether a batch was committed.
pub struct Watched<'a> {
    pub inner: &'a dyn CopyProgress,
    pub advanced: std::sync::atomic::AtomicBool,
}

impl<'a> Watched<'a> {
    pub fn new(inner: &'a dyn CopyProgress) -> Watched<'a> {
        Watched {
            inner,
            advanced: false.into(),
        }
    }

    pub fn advanced(&self) -> bool {
        self.advanced.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl CopyProgress for Watched<'_> {
    fn start(&self, table: &str, total: u64, done: u64) {
        self.inner.start(table, total, done)
    }

    fn advance(&self, table: &str, rows: u64) {
        self.advanced
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.inner.advance(table, rows)
    }

    fn finish(&self, table: &str) {
        self.inner.finish(table)
    }
}

/// Builds the statements that copy `old` into `new` over their common columns, keyed by the old
/// table's primary key.
pub fn plan_copy(
    cat: &Catalog,
    old: &Table,
    new: &Table,
    key: &[String],
    columns: &[String],
) -> BatchedCopy {
    let q = |c: &String| cat.quote(c);
    let old_q = cat.qualified(&old.name);
    let new_q = cat.qualified(&new.name);
    let cols: Vec<String> = columns.iter().map(q).collect();
    let cols = cols.join(", ");
    let key_cols: Vec<String> = key.iter().map(q).collect();
    let key_list = key_cols.join(", ");
    let key_type = |k: &String| {
        old.columns
            .iter()
            .find(|c| &c.name == k)
            .map(|c| c.type_sql.clone())
            .unwrap_or_else(|| "text".into())
    };
    let typed = |array: &str| -> String {
        let parts: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, k)| format!("({array})[{}]::{}", i + 1, key_type(k)))
            .collect();
        format!("({})", parts.join(", "))
    };
    let bound = |param: usize| typed(&format!("${param}::text[]"));
    let (lower, upper) = (
        format!("({key_list}) > {}", bound(1)),
        format!("({key_list}) <= {}", bound(2)),
    );
    let overriding = crate::phase::dual_write::overriding(new, columns);
    // The old row, locked FOR SHARE, is the current truth (dual-write carries every change made
    // since into the copy in the same transaction as the change), so a copy that differs is stale:
    // left from a run while dual-write was off. It is overwritten; an equal one is not touched.
    // An ALWAYS identity column only takes DEFAULT in an UPDATE: left as it is.
    let fixed = crate::phase::dual_write::always_identity(new, columns);
    let others: Vec<&String> = columns
        .iter()
        .filter(|c| !key.contains(c) && !fixed.contains(c))
        .collect();
    let conflict = if others.is_empty() {
        format!("ON CONFLICT ({key_list}) DO NOTHING")
    } else {
        let sets: Vec<String> = others
            .iter()
            .map(|c| format!("{0} = EXCLUDED.{0}", q(c)))
            .collect();
        // As text: a column type without equality (json) still compares.
        let stored: Vec<String> = others.iter().map(|c| format!("n.{}", q(c))).collect();
        let wanted: Vec<String> = others
            .iter()
            .map(|c| format!("EXCLUDED.{}", q(c)))
            .collect();
        format!(
            "ON CONFLICT ({key_list}) DO UPDATE SET {} WHERE ROW({})::text IS DISTINCT FROM ROW({})::text",
            sets.join(", "),
            stored.join(", "),
            wanted.join(", ")
        )
    };
    let filter_of = |wheres: &[&str]| {
        if wheres.is_empty() {
            // keep $1/$2 in every form so all four take the same parameters
            "$1::text[] IS NULL AND $2::text[] IS NULL".to_string()
        } else {
            wheres.join(" AND ")
        }
    };
    let stmt = |wheres: &[&str]| {
        let filter = filter_of(wheres);
        format!(
            "WITH batch AS (SELECT {cols} FROM {old_q} WHERE {filter} ORDER BY {key_list} FOR SHARE) \
             INSERT INTO {new_q} AS n ({cols}){overriding} SELECT {cols} FROM batch {conflict}"
        )
    };
    let n_key: Vec<String> = key_cols.iter().map(|k| format!("n.{k}")).collect();
    let n_key_list = n_key.join(", ");
    let same_key: Vec<String> = key_cols.iter().map(|k| format!("o.{k} = n.{k}")).collect();
    let prune = |wheres: &[&str]| {
        let filter = filter_of(wheres);
        format!(
            "DELETE FROM {new_q} n WHERE {filter} AND NOT EXISTS (SELECT 1 FROM {old_q} o WHERE {})",
            same_key.join(" AND ")
        )
    };
    let (n_lower, n_upper) = (
        format!("({n_key_list}) > {}", bound(1)),
        format!("({n_key_list}) <= {}", bound(2)),
    );
    let lower_only = stmt(&[&lower]);
    let upper_only = stmt(&[&upper]);
    let both = stmt(&[&lower, &upper]);
    let fixed_lower = lower_only.replace(&lower, &format!("{lower} AND $2::text[] IS NULL"));
    let fixed_upper = upper_only.replace(&upper, &format!("$1::text[] IS NULL AND {upper}"));
    let full = [stmt(&[]), fixed_lower, fixed_upper, both];
    let fresh: Vec<String> = full
        .iter()
        .map(|f| {
            f.strip_suffix(&conflict)
                .unwrap_or(f)
                .trim_end()
                .to_string()
        })
        .collect();
    let prune_forms = [
        prune(&[]),
        prune(&[&n_lower, "$2::text[] IS NULL"]),
        prune(&["$1::text[] IS NULL", &n_upper]),
        prune(&[&n_lower, &n_upper]),
    ];
    let key_text: Vec<String> = key_cols.iter().map(|k| format!("{k}::text")).collect();
    let key_array = format!("ARRAY[{}]", key_text.join(", "));
    let n_key_text: Vec<String> = n_key.iter().map(|k| format!("{k}::text")).collect();
    let n_key_array = format!("ARRAY[{}]", n_key_text.join(", "));
    // The upper key, and whether the new table's first key past the lower one lies beyond it (or
    // is absent): one index probe, however many rows the dual-write has put further on. `OFFSET 0`
    // keeps the planner from inlining `x`, which would run the upper key's scan once per use.
    let upper_and_empty = |old_filter: &str, new_filter: &str| {
        format!(
            "SELECT x.u, x.nxt IS NULL OR (x.u IS NOT NULL AND {} > {}) FROM (SELECT \
             (SELECT {key_array} FROM {old_q} WHERE {old_filter} ORDER BY {key_list} OFFSET $2::bigint - 1 LIMIT 1) AS u, \
             (SELECT {n_key_array} FROM {new_q} n WHERE {new_filter} ORDER BY {n_key_list} LIMIT 1) AS nxt OFFSET 0) x",
            typed("x.nxt"),
            typed("x.u")
        )
    };
    BatchedCopy {
        old: old.name.clone(),
        new: new.name.clone(),
        statements: full.into_iter().chain(fresh).collect(),
        upper_first: upper_and_empty("$1::text[] IS NULL", "$1::text[] IS NULL"),
        upper_next: upper_and_empty(&lower, &n_lower),
        count: format!("SELECT count(*) FROM {old_q}"),
        prune: prune_forms,
    }
}

#[derive(Debug, Default, Serialize)]
pub struct CopyStats {
    pub table: String,
    pub batches: u64,
    pub rows_copied: u64,
    pub resumed_from: Option<Vec<String>>,
    pub seconds: f64,
}

/// Copies `copy.old` into `copy.new` from the last checkpoint to the end.
pub fn run(
    client: &mut Client,
    copy: &BatchedCopy,
    tuning: &Tuning,
    lock: &LockPolicy,
    progress: &dyn CopyProgress,
) -> Result<CopyStats> {
    let started = Instant::now();
    let row = client.query_opt(
        "SELECT last_key, rows_copied, done FROM ra_migrate.backfill_checkpoint WHERE table_name = $1",
        &[&copy.new],
    )?;
    let (mut lower, copied_before, done): (Option<Vec<String>>, i64, bool) = match row {
        Some(r) => (
            r.get::<_, Option<String>>(0)
                .map(|k| serde_json::from_str(&k))
                .transpose()
                .context("reading the backfill checkpoint")?,
            r.get(1),
            r.get(2),
        ),
        None => (None, 0, false),
    };
    let mut stats = CopyStats {
        table: copy.new.clone(),
        resumed_from: lower.clone(),
        ..Default::default()
    };
    let total: i64 = client
        .query_one(&copy.count, &[])
        .map(|r| r.get(0))
        .unwrap_or(0);
    progress.start(&copy.new, total.max(0) as u64, copied_before.max(0) as u64);
    if done {
        progress.finish(&copy.new);
        return Ok(stats);
    }
    let mut size = tuning.batch_size.max(1);
    loop {
        let t0 = Instant::now();
        let what = format!("backfill batch of {}", copy.new);
        let (inserted, upper) = db::with_lock_retry(lock, &what, |_| {
            match batch(client, copy, lock, &lower, size, true) {
                // A row the dual-write committed into the range meanwhile: the full way keeps it.
                Err(e) if is_unique_violation(&e) => {
                    tracing::info!(
                        "a row written into {} meanwhile: its batch runs again with ON CONFLICT, keeping it",
                        copy.new
                    );
                    batch(client, copy, lock, &lower, size, false)
                }
                other => other,
            }
        })?;
        stats.batches += 1;
        stats.rows_copied += inserted;
        // Each run's first batch: a resumed run has one too while the table is not done.
        if stats.batches == 1 {
            crate::interrupt::point(|| format!("backfill {}: first batch committed", copy.new));
        }
        progress.advance(&copy.new, size.max(0) as u64);
        let Some(u) = upper else { break };
        lower = Some(u);
        let took = t0.elapsed();
        // Adapt to the target duration, never more than doubling or halving at once.
        let ratio = tuning.target.as_secs_f64() / took.as_secs_f64().max(0.001);
        size = ((size as f64 * ratio.clamp(0.5, 2.0)) as i64).clamp(100, 200_000);
        if tuning.max_rows_per_sec > 0 {
            let budget = Duration::from_secs_f64(inserted as f64 / tuning.max_rows_per_sec as f64);
            if budget > took {
                std::thread::sleep(budget - took);
            }
        }
    }
    progress.finish(&copy.new);
    stats.seconds = started.elapsed().as_secs_f64();
    Ok(stats)
}

/// One batch past `lower`, in its own transaction with its checkpoint: the rows copied and the
/// batch's upper key (`None` for the last one). `fresh`: a range of the new table that holds no
/// row yet is copied without `ON CONFLICT` and not pruned.
fn batch(
    client: &mut Client,
    copy: &BatchedCopy,
    lock: &LockPolicy,
    lower: &Option<Vec<String>>,
    size: i64,
    fresh: bool,
) -> Result<(u64, Option<Vec<String>>)> {
    let mut tx = client.transaction()?;
    tx.batch_execute(&db::set_local_lock_timeout(lock))?;
    // Copies of history are not new writes: the reverse trigger must not mirror them back.
    tx.batch_execute(&format!(
        "SET LOCAL {} = 'on'",
        crate::phase::dual_write::REPLICATING
    ))?;
    let row = match lower {
        None => tx.query_opt(&copy.upper_first, &[&None::<Vec<String>>, &size])?,
        Some(l) => tx.query_opt(&copy.upper_next, &[l, &size])?,
    };
    let upper: Option<Vec<String>> = row.as_ref().and_then(|r| r.get(0));
    // Plans made before the fresh forms: one column, no emptiness.
    let empty = row
        .as_ref()
        .filter(|r| r.len() > 1)
        .is_some_and(|r| r.get::<_, bool>(1));
    let form = match (lower, &upper) {
        (None, None) => 0,
        (Some(_), None) => 1,
        (None, Some(_)) => 2,
        (Some(_), Some(_)) => 3,
    };
    let fresh = fresh && empty && copy.statements.len() == 8;
    let statement = &copy.statements[if fresh { form + 4 } else { form }];
    let n = tx
        .execute(statement, &[lower, &upper])
        .with_context(|| format!("copying a batch of {} into {}", copy.old, copy.new))?;
    if !fresh && !copy.prune[form].is_empty() {
        tx.execute(&copy.prune[form], &[lower, &upper])
            .with_context(|| {
                format!(
                    "removing from {} the rows of a batch that {} no longer has",
                    copy.new, copy.old
                )
            })?;
    }
    let last = upper.as_ref().map(serde_json::to_string).transpose()?;
    tx.execute(
        "INSERT INTO ra_migrate.backfill_checkpoint (table_name, last_key, rows_copied, done)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (table_name) DO UPDATE SET
            last_key = coalesce(EXCLUDED.last_key, backfill_checkpoint.last_key),
            rows_copied = backfill_checkpoint.rows_copied + EXCLUDED.rows_copied,
            done = EXCLUDED.done, updated_at = now()",
        &[&copy.new, &last, &(n as i64), &upper.is_none()],
    )?;
    tx.commit()?;
    Ok((n, upper))
}

/// True when the error chain holds PostgreSQL's `unique_violation` (23505).
fn is_unique_violation(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<postgres::Error>()
            .and_then(|pe| pe.code())
            .is_some_and(|c| *c == postgres::error::SqlState::UNIQUE_VIOLATION)
    })
}
