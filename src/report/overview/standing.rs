//! Where things stand, for `status`: what an operator asks first. What is running, how far the
//! backfill is, whether the last validation passed, what is quarantined, which readers are left,
//! when purge may run, and what to run next. Row counts are estimates here too; nothing scans a
//! table.

use crate::phase::Phase;
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;

/// Where the migration stands now, for `status`.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    /// Operations the log has as running, with whether their process still holds the operator
    /// lock (otherwise the process died and the phase state says where it stood).
    pub running: Vec<RunningOperation>,
    /// Who holds the operator lock now, if anyone.
    pub operator_lock_holder: Option<String>,
    /// Phase 3's progress from its checkpoints, once it has any.
    pub backfill: Option<BackfillProgress>,
    pub last_validation: Option<LastValidation>,
    /// Unresolved records in the quarantine.
    pub quarantined: i64,
    /// Readers of the old tables (queries, views, functions) left before phase 5; `None` once
    /// phase 5 is in effect.
    pub readers_left: Option<usize>,
    /// When `purge` (default retention, 30 days) may drop the archive, once phase 5 is applied.
    pub purge_possible_from: Option<String>,
    pub purged: bool,
    /// The command to run next, and why.
    pub next: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunningOperation {
    pub id: i64,
    pub action: String,
    pub phase: Option<i16>,
    pub operator: String,
    pub started_at: String,
    pub alive: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackfillProgress {
    pub rows_copied: i64,
    /// The old masters' estimated rows (planner statistics).
    pub rows_estimated: i64,
    pub tables_done: usize,
    pub tables: usize,
    /// Rows per second since the phase 3 run began, while it is running.
    pub rate_rows_per_sec: Option<f64>,
    pub eta_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastValidation {
    pub finished_at: String,
    pub passed: bool,
    /// Whether it counts for phase 4's gate (passed, and newer than the last phase change).
    pub current: bool,
}

/// The default `purge --retention` the purge date is computed with.
const DEFAULT_RETENTION_DAYS: i32 = 30;

pub fn standing(
    client: &mut postgres::Client,
    mapping: &Mapping,
    schema: &str,
) -> Result<Standing> {
    let operator_lock_holder = crate::pg::db::operator_lock_holder(client)?;
    let running = client
        .query(
            "SELECT id, action, phase, operator, started_at::text FROM ra_migrate.operation_log
             WHERE outcome = 'running' ORDER BY id",
            &[],
        )
        .context("reading running operations")?
        .iter()
        .map(|r| RunningOperation {
            id: r.get(0),
            action: r.get(1),
            phase: r.get(2),
            operator: r.get(3),
            started_at: r.get(4),
            alive: operator_lock_holder.is_some(),
        })
        .collect();
    let phases = crate::state::phases(client)?;
    let current = phases
        .iter()
        .filter(|r| r.status.is_in_effect())
        .max_by_key(|r| r.phase)
        .cloned();
    let row = |p: Phase| phases.iter().find(|r| r.phase == p);
    let backfill = backfill_progress(client, mapping, schema, row(Phase::Backfill))?;
    let last_validation = client
        .query_opt(
            "SELECT finished_at::text, passed FROM ra_migrate.validation_run
             WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
            &[],
        )
        .context("reading the last validation")?
        .map(|r| (r.get::<_, String>(0), r.get::<_, Option<bool>>(1)));
    let gate_ok = crate::state::latest_passing_since_last_change(client)?.is_some();
    let last_validation = last_validation.map(|(finished_at, passed)| LastValidation {
        finished_at,
        passed: passed.unwrap_or(false),
        current: gate_ok && passed.unwrap_or(false),
    });
    let quarantined: i64 = client
        .query_one(
            "SELECT count(*) FROM ra_migrate.quarantine WHERE resolved_at IS NULL",
            &[],
        )
        .context("counting the quarantine")?
        .get(0);
    let archive = row(Phase::Archive).filter(|r| r.status == crate::state::Status::Applied);
    let readers_left = if archive.is_some() {
        None
    } else {
        let cat = Catalog::read(client, schema)?;
        Some(crate::readers::inventory(client, &cat, mapping, None)?.count())
    };
    let purged = match archive {
        Some(r) => r
            .record::<crate::phase::archive::Record>()?
            .purged_at
            .is_some(),
        None => false,
    };
    let purge_possible_from = match archive.and_then(|r| r.applied_at.clone()) {
        Some(at) if !purged => Some(
            client
                .query_one(
                    "SELECT ($1::text::timestamptz + make_interval(days => $2))::text",
                    &[&at, &DEFAULT_RETENTION_DAYS],
                )?
                .get(0),
        ),
        _ => None,
    };
    let mut s = Standing {
        running,
        operator_lock_holder,
        backfill,
        last_validation,
        quarantined,
        readers_left,
        purge_possible_from,
        purged,
        next: String::new(),
    };
    s.next = next_command(&s, current.as_ref(), gate_ok);
    Ok(s)
}

fn backfill_progress(
    client: &mut postgres::Client,
    mapping: &Mapping,
    schema: &str,
    phase3: Option<&crate::state::PhaseRow>,
) -> Result<Option<BackfillProgress>> {
    let rows = client
        .query(
            "SELECT rows_copied, done FROM ra_migrate.backfill_checkpoint",
            &[],
        )
        .context("reading the backfill checkpoints")?;
    if rows.is_empty() {
        return Ok(None);
    }
    let rows_copied: i64 = rows.iter().map(|r| r.get::<_, i64>(0)).sum();
    let tables_done = rows.iter().filter(|r| r.get::<_, bool>(1)).count();
    let olds: Vec<String> = mapping.masters().map(|t| t.name.clone()).collect();
    let rows_estimated: i64 = client
        .query_one(
            "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = ANY($2)",
            &[&schema, &olds],
        )
        .context("estimating the masters' rows")?
        .get(0);
    let running = phase3.is_some_and(|r| r.status == crate::state::Status::Applying);
    let (mut rate, mut eta) = (None, None);
    if running {
        // since the latest apply 3 began: a resumed run's earlier rows are in its checkpoints too
        let elapsed: Option<f64> = client
            .query_one(
                "SELECT extract(epoch FROM now() - max(started_at))::float8
                 FROM ra_migrate.operation_log WHERE phase = 3 AND action = 'apply'",
                &[],
            )?
            .get(0);
        if let Some(secs) = elapsed.filter(|s| *s > 0.0) {
            let r = rows_copied as f64 / secs;
            rate = Some(r);
            if r > 0.0 {
                eta = Some(((rows_estimated - rows_copied).max(0)) as f64 / r);
            }
        }
    }
    Ok(Some(BackfillProgress {
        rows_copied,
        rows_estimated,
        tables_done,
        tables: mapping.masters().count(),
        rate_rows_per_sec: rate,
        eta_seconds: eta,
    }))
}

fn next_command(s: &Standing, current: Option<&crate::state::PhaseRow>, gate_ok: bool) -> String {
    use crate::state::Status;
    if let Some(op) = s.running.iter().find(|o| o.alive) {
        return format!(
            "wait: {} {} is running (log entry {}, {})",
            op.action,
            op.phase.map(|p| p.to_string()).unwrap_or_default(),
            op.id,
            op.operator
        );
    }
    let Some(r) = current else {
        return "ra-migrate doctor, then ra-migrate apply 1 --dry-run and ra-migrate apply 1 --yes"
            .into();
    };
    let n = r.phase.number();
    match r.status {
        Status::Applying => {
            format!("ra-migrate apply {n} --yes (it resumes or retries what stopped)")
        }
        Status::RollingBack => format!("ra-migrate rollback {n} --yes (it finishes the rollback)"),
        Status::Applied if !r.verified => format!("ra-migrate verify {n}"),
        Status::Applied => match r.phase {
            Phase::Backfill if !gate_ok => {
                "ra-migrate validate (phase 4 needs a passing report newer than the last phase change)".into()
            }
            Phase::Backfill => "ra-migrate apply 4 --yes --functions".into(),
            Phase::SwitchReaders if s.readers_left.unwrap_or(0) > 0 => format!(
                "ra-migrate readers: {} reader(s) of the old tables left to switch before phase 5",
                s.readers_left.unwrap_or(0)
            ),
            Phase::SwitchReaders => "ra-migrate apply 5 --yes".into(),
            Phase::Archive if s.purged => "nothing: the migration is complete".into(),
            Phase::Archive => format!(
                "ra-migrate purge --dump DIR --yes once the retention has passed (from {})",
                s.purge_possible_from.as_deref().unwrap_or("?")
            ),
            _ => format!("ra-migrate apply {} --yes", n + 1),
        },
        Status::RolledBack => format!("ra-migrate apply {n} --yes"),
    }
}

impl Standing {
    /// The lines `status` prints under its table.
    pub fn text(&self) -> String {
        let mut out = String::new();
        match &self.operator_lock_holder {
            Some(h) => {
                let _ = writeln!(out, "operator lock: held by {h}");
            }
            None => out.push_str("operator lock: free\n"),
        }
        for op in &self.running {
            let _ = writeln!(
                out,
                "{} log entry {}: {} phase {} by {} since {}",
                if op.alive { "running" } else { "interrupted" },
                op.id,
                op.action,
                op.phase
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "-".into()),
                op.operator,
                op.started_at
            );
        }
        if let Some(b) = &self.backfill {
            let _ = write!(
                out,
                "backfill: {} of ~{} rows copied, {}/{} tables done",
                b.rows_copied, b.rows_estimated, b.tables_done, b.tables
            );
            if let (Some(rate), Some(eta)) = (b.rate_rows_per_sec, b.eta_seconds) {
                let _ = write!(out, ", {rate:.0} rows/s, about {eta:.0} s left");
            }
            out.push('\n');
        }
        match &self.last_validation {
            Some(v) => {
                let _ = writeln!(
                    out,
                    "last validation: {} at {}{}",
                    if v.passed { "passed" } else { "FAILED" },
                    v.finished_at,
                    if v.passed && !v.current {
                        " (older than the last phase change)"
                    } else {
                        ""
                    }
                );
            }
            None => out.push_str("last validation: none\n"),
        }
        let _ = writeln!(out, "quarantine: {} unresolved record(s)", self.quarantined);
        if let Some(n) = self.readers_left {
            let _ = writeln!(out, "readers of the old tables left: {n}");
        }
        if self.purged {
            out.push_str("archive: purged\n");
        } else if let Some(at) = &self.purge_possible_from {
            let _ = writeln!(out, "purge possible from: {at} (30-day retention)");
        }
        let _ = writeln!(out, "next: {}", self.next);
        out
    }
}
