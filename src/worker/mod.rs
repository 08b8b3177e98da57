//! `ra-migrate worker`: runs the plan's production schedule ([`schedule`]) through the fetchers'
//! phase-aware write path, each slot exactly once ([`slots`]), with a heartbeat `status` shows.
//!
//! Two workers started by mistake never run one slot twice: a slot is claimed under a session
//! advisory lock keyed on (job, slot), and a slot already recorded as succeeded is skipped. The
//! lock goes with the session, so a worker that dies leaves nothing to clean up: its slot (still
//! 'running') is run again by the next worker.

pub mod consistency;
pub mod hook;
pub mod schedule;
pub mod slots;
pub mod soak;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::api::Endpoint;
use crate::fetch::ingest::Ingest;
use crate::fetch::source::{self, Metered};
use crate::fetch::{self, Fetch, Tally};
use crate::schema::mapping::Mapping;

use schedule::{Job, Kind, Schedule};
pub use slots::overview;

static STOP: AtomicBool = AtomicBool::new(false);

/// True once SIGTERM or Ctrl-C arrived: the fetchers finish the batch in hand and stop.
pub fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The fetchers' answer to [`stopping`]: the batches before it are committed, no later one began.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stopped by a signal between two batches (the batches before are committed)"
        )
    }
}

impl std::error::Error for Interrupted {}

/// Fails with [`Interrupted`] when a stop was asked for; called between two batches.
pub fn check_stop() -> Result<()> {
    if stopping() {
        return Err(Interrupted.into());
    }
    Ok(())
}

/// What one slot did.
#[derive(Debug, Clone, Serialize)]
pub struct SlotReport {
    pub job: String,
    pub slot: DateTime<Utc>,
    /// `succeeded`, `failed`, `interrupted`
    pub outcome: String,
    pub attempt: i32,
    pub counts: serde_json::Value,
    pub requests: u64,
    pub quarantined: u64,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub seconds: f64,
}

/// Everything a worker needs to run slots.
pub struct Worker<'a> {
    pub schedule: &'a Schedule,
    pub source: &'a dyn Metered,
    pub regions: Vec<String>,
    pub schema: String,
    pub mapping: Mapping,
    /// Holds the slot locks and writes the slot rows.
    pub control: postgres::Client,
    /// The fetchers' connection.
    pub data: postgres::Client,
    pub id: String,
    /// How far back missed slots are caught up.
    pub catch_up: Duration,
    /// `--on-failure`: run when a slot fails.
    pub on_failure: Option<String>,
    /// No progress lines (the demo's workers: the demo prints its own lines).
    pub quiet: bool,
}

impl Worker<'_> {
    /// Every slot due at `now` that has not succeeded: missed ones within the catch-up window,
    /// failed ones whose retry time has come (however old), then each one's followers.
    pub fn run_due(&mut self, now: DateTime<Utc>) -> Result<Vec<SlotReport>> {
        let mut due = self.schedule.due(now, self.catch_up);
        for s in slots::retryable(&mut self.control, now)? {
            let timed = self.schedule.job(&s.job).is_some_and(|j| j.every.is_some());
            if timed && !due.contains(&s) {
                due.push(s);
            }
        }
        due.sort();
        let mut reports = Vec::new();
        for slot in due {
            if stopping() {
                break;
            }
            let Some(job) = self.schedule.job(&slot.job).cloned() else {
                continue;
            };
            let leader = self.run_slot(&job, slot.at, now)?;
            let done = match &leader {
                Some(r) => r.outcome == "succeeded",
                None => slots::succeeded(&mut self.control, &job.name, slot.at)?,
            };
            reports.extend(leader);
            if !done {
                continue;
            }
            for f in self
                .schedule
                .followers(&job.name)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
            {
                if stopping() {
                    break;
                }
                reports.extend(self.run_slot(&f, slot.at, now)?);
            }
        }
        Ok(reports)
    }

    /// Runs `job` for `slot` unless another worker holds it, it succeeded, or its retry is not due.
    fn run_slot(
        &mut self,
        job: &Job,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<SlotReport>> {
        let Some(attempt) = slots::claim(&mut self.control, &job.name, slot, now, &self.id)? else {
            return Ok(None);
        };
        slots::beat(
            &mut self.control,
            &self.id,
            Some(&format!("{}@{}", job.name, slot.to_rfc3339())),
        )?;
        let started = Instant::now();
        let before = self.source.meter().requests;
        let result = self.run_job(job, slot);
        let requests = self.source.meter().requests.saturating_sub(before);
        let (outcome, counts, quarantined, error) = match result {
            Ok((counts, q)) => ("succeeded", counts, q, None),
            Err((e, counts, q)) => {
                let outcome = if e.downcast_ref::<Interrupted>().is_some() {
                    "interrupted"
                } else {
                    "failed"
                };
                (outcome, counts, q, Some(format!("{e:#}")))
            }
        };
        let next_attempt_at =
            (outcome == "failed").then(|| now + self.schedule.retry.backoff(attempt));
        let report = SlotReport {
            job: job.name.clone(),
            slot,
            outcome: outcome.to_string(),
            attempt,
            counts,
            requests,
            quarantined,
            error,
            next_attempt_at,
            seconds: started.elapsed().as_secs_f64(),
        };
        slots::finish(&mut self.control, &report)?;
        if report.outcome == "failed" {
            hook::fire(
                self.on_failure.as_deref(),
                serde_json::json!({
                    "event": if job.kind == Kind::Consistency { "consistency_check_failed" } else { "job_failed" },
                    "job": report.job, "slot": report.slot, "attempt": report.attempt,
                    "error": report.error, "next_attempt_at": report.next_attempt_at,
                    "counts": report.counts, "worker": self.id,
                }),
            );
        }
        slots::release(&mut self.control, &job.name, slot)?;
        slots::beat(&mut self.control, &self.id, None)?;
        Ok(Some(report))
    }

    /// Runs one job; on failure, what was committed before it is still counted.
    fn run_job(
        &mut self,
        job: &Job,
        slot: DateTime<Utc>,
    ) -> std::result::Result<(serde_json::Value, u64), (anyhow::Error, serde_json::Value, u64)>
    {
        let day = self.schedule.local_date(slot);
        let what = match job.kind {
            Kind::Racecards => Some((
                Endpoint::Racecards,
                day.iter_days()
                    .take(job.days_ahead as usize + 1)
                    .collect::<Vec<_>>(),
            )),
            Kind::Results => {
                let first = day - Duration::days(job.days_back as i64);
                Some((
                    Endpoint::Results,
                    first.iter_days().take_while(|d| *d <= day).collect(),
                ))
            }
            _ => None,
        };
        let mapping = self.mapping.clone();
        if job.kind == Kind::Consistency {
            return consistency::job(&mut self.data, &mapping, &self.schema)
                .map(|v| (v, 0))
                .map_err(|e| (e, serde_json::json!({}), 0));
        }
        let mut progress: Box<dyn fetch::progress::Progress> = if self.quiet {
            Box::new(fetch::progress::Silent)
        } else {
            fetch::progress::for_stderr()
        };
        let mut f = Fetch {
            source: self.source,
            ingest: Ingest::new(&mut self.data, mapping, &self.schema, self.source.label()),
            regions: self.regions.clone(),
            progress: &mut *progress,
            tally: Tally::default(),
        };
        let result = match (&what, job.kind) {
            (Some((endpoint, dates)), _) => {
                fetch::check_window(self.source.label(), *endpoint, dates, day)
                    .and_then(|()| fetch::races::fetch(&mut f, *endpoint, dates))
            }
            (None, Kind::Enrichment | Kind::Profiles) => fetch::entities::enrich(
                &mut f,
                job.limit.unwrap_or(500),
                job.recheck_absent_days.unwrap_or(30),
            ),
            (None, _) => fetch::reference::fetch(&mut f),
        };
        f.progress.end();
        let mut counts = serde_json::to_value(&f.tally).unwrap_or_default();
        let totals = f.ingest.totals();
        counts["batches"] = totals.batches.into();
        counts["rows_written"] = totals.written.values().sum::<u64>().into();
        if job.kind == Kind::Profiles {
            counts["people"] = people_profiles();
        }
        if let Some((_, dates)) = &what {
            counts["dates"] =
                serde_json::json!(dates.iter().map(|d| d.to_string()).collect::<Vec<_>>());
        }
        let quarantined = totals.quarantined;
        match result {
            Ok(()) => Ok((counts, quarantined)),
            Err(e) => Err((e, counts, quarantined)),
        }
    }
}

/// Why the weekly pass asks the API nothing about people.
pub const NO_PEOPLE_PROFILES: &str = "the Racing API has no profile endpoint for jockeys, trainers or owners (only /v1/{jockeys,trainers,owners}/search?name= and the Pro-only /v1/{jockeys,trainers,owners}/{id}/results): people are kept current by the racecards and results that name them, and this pass makes no request for them";

/// The people part of the weekly pass: nothing to ask for, said once per process (a worker
/// running for weeks would otherwise repeat it every Monday) and in every slot's counts.
fn people_profiles() -> serde_json::Value {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::SeqCst) {
        tracing::warn!("{NO_PEOPLE_PROFILES}");
    }
    serde_json::json!({"requests": 0, "why": NO_PEOPLE_PROFILES})
}

pub(crate) fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// One line per slot run, as the worker prints it.
pub fn render(r: &SlotReport, schedule: &Schedule) -> String {
    let local = r
        .slot
        .with_timezone(&schedule.tz)
        .format("%Y-%m-%d %H:%M %Z");
    let mut line = format!(
        "{} @ {local}: {} (attempt {}, {} request(s), {} quarantined, {:.1}s)",
        r.job, r.outcome, r.attempt, r.requests, r.quarantined, r.seconds
    );
    if let Some(e) = &r.error {
        line.push_str(&format!("\n    error: {e}"));
    }
    if let Some(n) = r.next_attempt_at {
        line.push_str(&format!(
            "\n    next try at {}",
            n.with_timezone(&schedule.tz).format("%Y-%m-%d %H:%M %Z")
        ));
    }
    line
}

/// The demo's schedule: a race day's racecards (with enrichment), results and a consistency
/// check, once a day.
const SIMULATED_DAYS: &str = r#"
timezone = "Europe/London"
catch_up_days = 1
[[job]]
name = "racecards"
kind = "racecards"
every = "day"
at = "07:00"
[[job]]
name = "enrichment"
kind = "enrichment"
after = "racecards"
limit = 50
[[job]]
name = "results"
kind = "results"
every = "day"
at = "22:30"
[[job]]
name = "consistency"
kind = "consistency"
every = "day"
at = "23:00"
"#;

/// A worker for simulated days with the synthetic source (the demo's): `name` tells it apart in
/// the heartbeat from another worker of the same process. [`Worker::simulated_day`] runs a day,
/// [`Worker::finish`] records that it stopped.
pub fn simulated<'a>(
    url: &str,
    schema: &str,
    mapping: &Mapping,
    schedule: &'a Schedule,
    source: &'a dyn Metered,
    name: &str,
) -> Result<Worker<'a>> {
    let mut control = crate::pg::db::connect(url, &format!("{name} worker"))?;
    let data = crate::pg::db::connect(url, &format!("{name} worker fetch"))?;
    let id = format!("{}:{}:{name}", host(), std::process::id());
    slots::register(&mut control, &id, &host(), &[])?;
    Ok(Worker {
        schedule,
        source,
        regions: vec!["gb".into(), "ire".into()],
        schema: schema.to_string(),
        mapping: mapping.clone(),
        control,
        data,
        id,
        catch_up: Duration::days(1),
        on_failure: None,
        quiet: true,
    })
}

impl Worker<'_> {
    /// Everything due on `day` (UK time), as `worker --once --now "DAY 23:30"` would run it.
    pub fn simulated_day(&mut self, day: chrono::NaiveDate) -> Result<Vec<SlotReport>> {
        let now = schedule::parse_now(&format!("{day} 23:30"), self.schedule.tz)?;
        self.run_due(now)
    }

    /// Records the clean stop in the heartbeat.
    pub fn finish(mut self) -> Result<()> {
        slots::stop(&mut self.control, &self.id)
    }
}

/// Runs the worker over `days` simulated days from `first` (UK time, synthetic source), each day
/// as `worker --once --now "DAY 23:30"` would: the demo's week of dual writes.
pub fn simulate_days(
    url: &str,
    schema: &str,
    mapping: &Mapping,
    first: chrono::NaiveDate,
    days: u32,
) -> Result<Vec<SlotReport>> {
    let schedule = Schedule::parse(SIMULATED_DAYS, "the demo's schedule")?;
    let source = source::CountedSynthetic::new(11);
    let mut w = simulated(url, schema, mapping, &schedule, &source, "demo week")?;
    let mut all = Vec::new();
    for day in first.iter_days().take(days as usize) {
        all.extend(w.simulated_day(day)?);
    }
    w.finish()?;
    Ok(all)
}

/// What a worker run is given: the command line's choices, already read.
pub struct Options<'a> {
    pub schema: &'a str,
    pub mapping: Mapping,
    pub schedule: &'a Schedule,
    pub source: &'a dyn Metered,
    /// Stands in for the clock (`--now`).
    pub now: Option<DateTime<Utc>>,
    /// Run what is due once and return (`--once`).
    pub once: bool,
    pub regions: Vec<String>,
    pub catch_up_days: Option<u32>,
    pub on_failure: Option<String>,
}

/// How a worker run ended: every slot it ran, and whether a signal stopped it.
pub struct Served {
    pub slots: Vec<SlotReport>,
    pub stopped: bool,
    /// The moment it last looked at the schedule.
    pub at: DateTime<Utc>,
}

/// Runs the schedule until stopped by a signal, or once with `once`: each slot due is claimed,
/// run and recorded, and handed to `ran` as it ends. SIGTERM or Ctrl-C finishes the batch in hand.
pub fn serve(
    control: postgres::Client,
    data: postgres::Client,
    heartbeat: postgres::Client,
    o: Options,
    ran: &mut dyn FnMut(&SlotReport),
) -> Result<Served> {
    ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst))
        .context("installing the SIGTERM / Ctrl-C handler")?;
    let id = format!("{}:{}", host(), std::process::id());
    let schedule = o.schedule;
    let mut w = Worker {
        schedule,
        source: o.source,
        regions: o.regions,
        schema: o.schema.to_string(),
        mapping: o.mapping,
        control,
        data,
        id: id.clone(),
        catch_up: Duration::days(o.catch_up_days.unwrap_or(schedule.catch_up_days) as i64),
        on_failure: o.on_failure,
        quiet: false,
    };
    let clock = || o.now.unwrap_or_else(Utc::now);
    slots::register(&mut w.control, &id, &host(), &schedule.next(clock()))?;
    let beating = Arc::new(AtomicBool::new(true));
    let beater = slots::heartbeat_thread(heartbeat, id.clone(), beating.clone());
    let mut all = Vec::new();
    let outcome = (|| -> Result<()> {
        loop {
            let now = clock();
            let reports = w.run_due(now)?;
            reports.iter().for_each(&mut *ran);
            all.extend(reports);
            slots::set_next(&mut w.control, &id, &schedule.next(now))?;
            if o.once || stopping() {
                return Ok(());
            }
            // wake for the next slot or a retry, and at least every minute for a late retry
            let until = Utc::now() + Duration::seconds(60);
            while Utc::now() < until && !stopping() {
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            if stopping() {
                return Ok(());
            }
        }
    })();
    beating.store(false, Ordering::SeqCst);
    let _ = beater.join();
    slots::stop(&mut w.control, &id)?;
    outcome?;
    Ok(Served {
        slots: all,
        stopped: stopping(),
        at: clock(),
    })
}
