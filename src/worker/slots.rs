//! The worker's records in `ra_migrate`: slots claimed and finished (`worker_slot`), and the
//! heartbeat `status` reads (`worker_heartbeat`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use postgres::Client;
use serde::Serialize;

use super::schedule::Slot;
use super::SlotReport;

/// Advisory lock class of the worker's slots (`rw`), apart from the operator and phase locks.
const SLOT_LOCK_CLASS: i32 = 0x7277;

/// A heartbeat older than this, from a worker that did not say it stopped, is a dead worker.
pub const DEAD_AFTER_SECS: i64 = 120;
const BEAT_EVERY_SECS: u64 = 15;

fn lock_key(job: &str, slot: DateTime<Utc>) -> String {
    format!("{job}@{}", slot.to_rfc3339())
}

/// Takes the slot for this worker: `Some(attempt)` when it is to run now; `None` when another
/// worker holds it, it already succeeded, or its retry is not due at `now`.
pub fn claim(
    c: &mut Client,
    job: &str,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
    worker: &str,
) -> Result<Option<i32>> {
    let key = lock_key(job, slot);
    let got: bool = c
        .query_one(
            "SELECT pg_try_advisory_lock($1, hashtext($2))",
            &[&SLOT_LOCK_CLASS, &key],
        )
        .with_context(|| format!("claiming slot {key}"))?
        .get(0);
    if !got {
        return Ok(None);
    }
    let row = c
        .query_opt(
            "SELECT status, attempts, next_attempt_at FROM ra_migrate.worker_slot
             WHERE job = $1 AND slot = $2",
            &[&job, &slot],
        )
        .with_context(|| format!("reading slot {key}"))?;
    let skip = match &row {
        Some(r) => {
            let status: String = r.get(0);
            let next: Option<DateTime<Utc>> = r.get(2);
            status == "succeeded" || (status == "failed" && next.is_some_and(|n| n > now))
        }
        None => false,
    };
    if skip {
        release(c, job, slot)?;
        return Ok(None);
    }
    // 'running' here means a worker died holding it (its lock went with its session): run it again
    let attempt: i32 = c
        .query_one(
            "INSERT INTO ra_migrate.worker_slot (job, slot, status, worker)
             VALUES ($1, $2, 'running', $3)
             ON CONFLICT (job, slot) DO UPDATE
               SET status = 'running', attempts = worker_slot.attempts + 1, started_at = now(),
                   finished_at = NULL, worker = EXCLUDED.worker
             RETURNING attempts",
            &[&job, &slot, &worker],
        )
        .with_context(|| format!("recording slot {key} as running"))?
        .get(0);
    Ok(Some(attempt))
}

pub fn finish(c: &mut Client, r: &SlotReport) -> Result<()> {
    c.execute(
        "UPDATE ra_migrate.worker_slot
         SET status = $3, finished_at = now(), counts = $4, requests = $5, quarantined = $6,
             error = $7, next_attempt_at = $8
         WHERE job = $1 AND slot = $2",
        &[
            &r.job,
            &r.slot,
            &r.outcome,
            &r.counts,
            &(r.requests as i64),
            &(r.quarantined as i64),
            &r.error,
            &r.next_attempt_at,
        ],
    )
    .with_context(|| format!("recording the outcome of slot {}", lock_key(&r.job, r.slot)))?;
    Ok(())
}

pub fn release(c: &mut Client, job: &str, slot: DateTime<Utc>) -> Result<()> {
    c.query_one(
        "SELECT pg_advisory_unlock($1, hashtext($2))",
        &[&SLOT_LOCK_CLASS, &lock_key(job, slot)],
    )
    .context("releasing a slot lock")?;
    Ok(())
}

pub fn succeeded(c: &mut Client, job: &str, slot: DateTime<Utc>) -> Result<bool> {
    Ok(c.query_one(
        "SELECT EXISTS (SELECT 1 FROM ra_migrate.worker_slot
                        WHERE job = $1 AND slot = $2 AND status = 'succeeded')",
        &[&job, &slot],
    )
    .context("reading a slot")?
    .get(0))
}

/// Slots that did not succeed and may be tried at `now`, however old: a failure is never skipped.
pub fn retryable(c: &mut Client, now: DateTime<Utc>) -> Result<Vec<Slot>> {
    Ok(c.query(
        "SELECT job, slot FROM ra_migrate.worker_slot
             WHERE status <> 'succeeded' AND coalesce(next_attempt_at <= $1, true)
             ORDER BY slot, job",
        &[&now],
    )
    .context("reading the slots to retry")?
    .iter()
    .map(|r| Slot {
        job: r.get(0),
        at: r.get(1),
    })
    .collect())
}

fn next_json(next: &[Slot]) -> serde_json::Value {
    serde_json::json!(next
        .iter()
        .map(|s| serde_json::json!({"job": s.job, "slot": s.at}))
        .collect::<Vec<_>>())
}

pub fn register(c: &mut Client, worker: &str, host: &str, next: &[Slot]) -> Result<()> {
    let pid = std::process::id() as i32;
    c.execute(
        "INSERT INTO ra_migrate.worker_heartbeat (worker, host, pid, next_jobs)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (worker) DO UPDATE
           SET started_at = now(), last_beat = now(), stopped_at = NULL, running_job = NULL,
               next_jobs = EXCLUDED.next_jobs",
        &[&worker, &host, &pid, &next_json(next)],
    )
    .context("recording the worker's heartbeat")?;
    Ok(())
}

pub fn beat(c: &mut Client, worker: &str, running: Option<&str>) -> Result<()> {
    c.execute(
        "UPDATE ra_migrate.worker_heartbeat SET last_beat = now(), running_job = $2 WHERE worker = $1",
        &[&worker, &running],
    )
    .context("recording the worker's heartbeat")?;
    Ok(())
}

pub fn set_next(c: &mut Client, worker: &str, next: &[Slot]) -> Result<()> {
    c.execute(
        "UPDATE ra_migrate.worker_heartbeat SET last_beat = now(), next_jobs = $2 WHERE worker = $1",
        &[&worker, &next_json(next)],
    )
    .context("recording the worker's next jobs")?;
    Ok(())
}

pub fn stop(c: &mut Client, worker: &str) -> Result<()> {
    c.execute(
        "UPDATE ra_migrate.worker_heartbeat
         SET last_beat = now(), stopped_at = now(), running_job = NULL WHERE worker = $1",
        &[&worker],
    )
    .context("recording that the worker stopped")?;
    Ok(())
}

/// Beats on its own connection while a long job runs on the others.
pub fn heartbeat_thread(
    mut c: Client,
    worker: String,
    alive: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut last = std::time::Instant::now();
        while alive.load(Ordering::SeqCst) {
            if last.elapsed().as_secs() >= BEAT_EVERY_SECS {
                if let Err(e) = c.execute(
                    "UPDATE ra_migrate.worker_heartbeat SET last_beat = now() WHERE worker = $1",
                    &[&worker],
                ) {
                    tracing::warn!("worker heartbeat: {e}");
                }
                last = std::time::Instant::now();
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    })
}

#[derive(Debug, Serialize)]
pub struct WorkerRow {
    pub worker: String,
    pub host: String,
    pub pid: i32,
    pub started_at: DateTime<Utc>,
    pub last_beat: DateTime<Utc>,
    pub running_job: Option<String>,
    pub next_jobs: serde_json::Value,
    pub stopped_at: Option<DateTime<Utc>>,
    /// No heartbeat for [`DEAD_AFTER_SECS`] and no clean stop.
    pub dead: bool,
}

#[derive(Debug, Serialize)]
pub struct FailedSlot {
    pub job: String,
    pub slot: DateTime<Utc>,
    pub status: String,
    pub attempts: i32,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// What `status` shows of the worker.
#[derive(Debug, Serialize)]
pub struct WorkerOverview {
    pub workers: Vec<WorkerRow>,
    /// Slots that have not succeeded yet.
    pub unfinished: Vec<FailedSlot>,
    pub slots_succeeded: i64,
    pub last_consistency_check: Option<serde_json::Value>,
}

/// The worker's part of `status` (empty when no worker ever ran).
pub fn overview(c: &mut Client) -> Result<WorkerOverview> {
    let workers = c
        .query(
            "SELECT worker, host, pid, started_at, last_beat, running_job, next_jobs, stopped_at,
                    stopped_at IS NULL AND last_beat < now() - make_interval(secs => $1)
             FROM ra_migrate.worker_heartbeat
             WHERE stopped_at IS NULL OR stopped_at > now() - interval '7 days'
             ORDER BY last_beat DESC LIMIT 5",
            &[&(DEAD_AFTER_SECS as f64)],
        )
        .context("reading the worker heartbeat")?
        .iter()
        .map(|r| WorkerRow {
            worker: r.get(0),
            host: r.get(1),
            pid: r.get(2),
            started_at: r.get(3),
            last_beat: r.get(4),
            running_job: r.get(5),
            next_jobs: r.get(6),
            stopped_at: r.get(7),
            dead: r.get(8),
        })
        .collect();
    let unfinished = c
        .query(
            "SELECT job, slot, status, attempts, error, next_attempt_at
             FROM ra_migrate.worker_slot WHERE status <> 'succeeded' ORDER BY slot LIMIT 20",
            &[],
        )
        .context("reading unfinished slots")?
        .iter()
        .map(|r| FailedSlot {
            job: r.get(0),
            slot: r.get(1),
            status: r.get(2),
            attempts: r.get(3),
            error: r.get(4),
            next_attempt_at: r.get(5),
        })
        .collect();
    let slots_succeeded: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_migrate.worker_slot WHERE status = 'succeeded'",
            &[],
        )?
        .get(0);
    let last_consistency_check = c
        .query_opt(
            "SELECT json_build_object('id', id, 'checked_at', checked_at, 'phase', phase,
                    'clean', clean, 'compared', compared, 'differences', differences)
             FROM ra_migrate.consistency_check ORDER BY id DESC LIMIT 1",
            &[],
        )
        .context("reading the last consistency check")?
        .map(|r| r.get(0));
    Ok(WorkerOverview {
        workers,
        unfinished,
        slots_succeeded,
        last_consistency_check,
    })
}

impl WorkerOverview {
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.workers.is_empty() && self.slots_succeeded == 0 && self.unfinished.is_empty() {
            return out;
        }
        out.push_str(&format!("worker: {} slot(s) done\n", self.slots_succeeded));
        for w in &self.workers {
            let state = if w.dead {
                format!("DEAD: no heartbeat since {}", w.last_beat)
            } else if let Some(s) = w.stopped_at {
                format!("stopped at {s}")
            } else {
                format!("alive, last beat {}", w.last_beat)
            };
            out.push_str(&format!(
                "  {} (host {}, pid {}): {state}",
                w.worker, w.host, w.pid
            ));
            if let Some(j) = &w.running_job {
                out.push_str(&format!(", running {j}"));
            }
            let next: Vec<String> = w
                .next_jobs
                .as_array()
                .into_iter()
                .flatten()
                .take(3)
                .map(|n| {
                    format!(
                        "{} at {}",
                        n["job"].as_str().unwrap_or("?"),
                        n["slot"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            if !next.is_empty() && w.stopped_at.is_none() {
                out.push_str(&format!("; next: {}", next.join(", ")));
            }
            out.push('\n');
        }
        for s in &self.unfinished {
            out.push_str(&format!(
                "  slot {}@{} {} after {} attempt(s){}{}\n",
                s.job,
                s.slot,
                s.status.to_uppercase(),
                s.attempts,
                s.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default(),
                s.next_attempt_at
                    .map(|n| format!(" (next try {n})"))
                    .unwrap_or_default()
            ));
        }
        if let Some(c) = &self.last_consistency_check {
            out.push_str(&format!(
                "last consistency check: #{} at {} (phase {}): {}\n",
                c["id"],
                c["checked_at"].as_str().unwrap_or("?"),
                c["phase"],
                if c["clean"].as_bool() == Some(true) {
                    "clean".to_string()
                } else {
                    format!("DIFFERENCES {}", c["differences"])
                }
            ));
        }
        out
    }
}
